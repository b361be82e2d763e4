import type { Runbook } from '../runbook.js';
import { eventsRunbook } from './k8s/k8s-events.js';
import { maintenanceRunbook } from './k8s/k8s-maintenance.js';
import { podsRunbook } from './k8s/k8s-pods.js';
import { resourcesRunbook } from './k8s/k8s-resources.js';
import { restartRunbook } from './k8s/k8s-restart.js';
import { scaleRunbook } from './k8s/k8s-scale.js';
import { errorsRunbook } from './monitor/errors-logs.js';
import { perfRunbook } from './monitor/perf.js';
import { certsRunbook } from './security/certs.js';

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
