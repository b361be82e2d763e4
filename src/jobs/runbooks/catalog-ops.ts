import type { Runbook } from '../runbook.js';
import { certsRunbook } from './certs.js';
import { errorsRunbook } from './errors-logs.js';
import { eventsRunbook } from './k8s-events.js';
import { maintenanceRunbook } from './k8s-maintenance.js';
import { podsRunbook } from './k8s-pods.js';
import { resourcesRunbook } from './k8s-resources.js';
import { restartRunbook } from './k8s-restart.js';
import { scaleRunbook } from './k8s-scale.js';
import { perfRunbook } from './perf.js';

/** The Kubernetes, certificate, log and performance runbooks of the maintenance catalog, for the registry. */
export const opsRunbooks: Runbook<unknown>[] = [
  podsRunbook,
  resourcesRunbook,
  eventsRunbook,
  restartRunbook,
  scaleRunbook,
  maintenanceRunbook,
  certsRunbook,
  errorsRunbook,
  perfRunbook,
];
