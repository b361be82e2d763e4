import type { OpsConfig } from '../config/ops-config.js';
import type { RunQueue } from '../jobs/queue.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Store } from '../store/store.js';
import { startDiagnosis } from './diagnose.js';
import type { AlertDeps } from './receive-alerts.js';

/** What receiving and delivering alerts needs, from what every instance has. */
export function alertDepsOf(deps: {
  config: OpsConfig;
  store: Store;
  queue: RunQueue;
  outbox: AlertDeps['outbox'];
  log: Logger;
  metrics?: Pick<Metrics, 'alertReceived' | 'alertDiagnosed'>;
}): AlertDeps {
  return {
    config: deps.config,
    groups: deps.store.alertGroups,
    outbox: deps.outbox,
    log: deps.log,
    metrics: deps.metrics,
    diagnose: async (group, texts) => {
      await startDiagnosis(deps, group, texts);
    },
  };
}
