import type { ExtraRoute } from '../bot/app.js';
import type { OpsConfig } from '../config/ops-config.js';
import { messageOf } from '../errors.js';
import type { RunQueue } from '../jobs/queue.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Store } from '../store/store.js';
import { alertDepsOf } from './alert-deps.js';
import { type AlertDeps, deliverAlertGroup, storeAlertGroup } from './receive-alerts.js';
import { alertWebhookRoute } from './webhook-route.js';

/** The alerts feature of one instance: Alertmanager's webhook route, and the sweeper that catches up on Slack. */
export interface AlertService {
  route: ExtraRoute;
  /** Stops the sweeper. */
  stop(): void;
}

/**
 * Wires Alertmanager's webhook to the store, the outbox and the queue. The sweeper delivers what an instance stored
 * and could not bring to Slack (it died, or Slack was down): every `sweepMs`, groups left behind for `graceMs`.
 */
export function startAlertService(
  deps: {
    config: OpsConfig;
    store: Store;
    queue: RunQueue;
    outbox: AlertDeps['outbox'];
    log: Logger;
    metrics?: Pick<Metrics, 'alertReceived' | 'alertDiagnosed'>;
  },
  opts: { sweepMs: number; graceMs: number },
): AlertService | undefined {
  const alerts = deps.config.alerts;
  if (!alerts) return undefined;
  const alertDeps = alertDepsOf(deps);
  const deliver = (groupId: string) =>
    deliverAlertGroup(alertDeps, groupId).catch((err: unknown) =>
      deps.log.warn(
        { group: groupId, cause: messageOf(err) },
        'alert message not brought up to date; the sweeper retries',
      ),
    );
  const route = alertWebhookRoute(
    alerts,
    async (payload) => {
      const outcome = await storeAlertGroup(alertDeps, payload);
      if (outcome.kind === 'unrouted') return { status: 200, body: { status: 'unrouted' } };
      return {
        status: 200,
        body: { status: 'ok', group: outcome.groupId },
        after: () => deliver(outcome.groupId),
      };
    },
    deps.log,
  );
  let sweeping = false;
  const timer = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    deps.store.alertGroups
      .behind(opts.graceMs / 1000)
      .then(async (groups) => {
        for (const g of groups) await deliver(g.id);
      })
      .catch((err: unknown) => deps.log.warn({ cause: messageOf(err) }, 'alert sweeper could not read the store'))
      .finally(() => {
        sweeping = false;
      });
  }, opts.sweepMs);
  timer.unref();
  return { route, stop: () => clearInterval(timer) };
}
