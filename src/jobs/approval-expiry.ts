import type { OpsConfig } from '../config/ops-config.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Store } from '../store/store.js';
import { deliverDecision } from './approval-delivery.js';
import type { Reporter } from './report.js';

/** What expiring approvals needs. */
export interface ExpiryDeps {
  config: OpsConfig;
  store: Store;
  reporter: Reporter;
  log: Logger;
  metrics?: Pick<Metrics, 'approvalDecided' | 'runFinished'>;
}

/**
 * Expires every pending request past its deadline: marks it expired (each exactly once, whichever instance sweeps),
 * ends its run as expired, audits it and removes the buttons from its message. Returns how many expired.
 */
export async function expireApprovals(deps: ExpiryDeps): Promise<number> {
  const expired = await deps.store.approvals.expireDue();
  for (const a of expired) {
    const run = await deps.store.runs.get(a.run_id);
    if (!run) continue;
    deps.metrics?.approvalDecided('expired');
    if (
      await deps.store.runs.finish(run.id, {
        status: 'expired',
        error: 'approval expired',
        from: ['awaiting_approval'],
      })
    ) {
      deps.metrics?.runFinished(run.runbook, 'expired');
    }
    await deps.store.audit.append({
      actor: 'system',
      action: 'approval_expired',
      decision: 'info',
      channelId: a.channel_id,
      service: run.service,
      environment: run.environment,
      runId: run.id,
      detail: { approvalId: a.id, expiresAt: a.expires_at.toISOString() },
    });
    await deliverDecision(deps, a, run);
  }
  return expired.length;
}

/** Sweeps for expired approvals every `intervalMs`; returns a stop function. */
export function startApprovalExpiry(deps: ExpiryDeps, intervalMs: number): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = running
      .then(() => expireApprovals(deps))
      .catch((err: unknown) => deps.log.warn({ err }, 'approval expiry sweep failed'));
  }, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
