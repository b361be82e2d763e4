import type { OpsConfig, RoleName } from '../config/ops-config.js';
import type { CancelBus } from '../jobs/cancel-bus.js';
import type { RunQueue } from '../jobs/queue.js';
import type { Reporter } from '../jobs/report.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';
import type { AuditEvent } from '../store/audit.js';
import type { Run } from '../store/runs.js';
import type { Store } from '../store/store.js';
import { channelAllowed, type GroupDirectory, roleOf } from './policy.js';

/** What the button handlers need. */
export interface ClickDeps {
  config: OpsConfig;
  store: Store;
  queue: RunQueue;
  reporter: Reporter;
  groups: GroupDirectory;
  cancelBus: Pick<CancelBus, 'publish'>;
  /** Counters for /metrics (optional in tests). */
  metrics?: Pick<Metrics, 'approvalDecided'>;
  log: Logger;
}

/** A button click as the bot received it. */
export interface ClickInput {
  userId: string;
  channelId: string;
  /** The button's value: an approval id or a run id. */
  value: string;
  /** A rejection reason from the modal. */
  reason?: string;
}

/** What to tell the person who clicked, ephemerally (nothing when the channel message says it all). */
export interface ClickReply {
  ephemeral?: string;
}

/** The clicker's role, and a function that audits the click with its decision. */
export async function clickContext(deps: ClickDeps, input: ClickInput, action: string, run: Run | undefined) {
  const { role } = await roleOf(deps.config, input.userId, deps.groups);
  const audit = (decision: AuditEvent['decision'], reason?: string, detail: Record<string, unknown> = {}) =>
    deps.store.audit.append({
      actor: input.userId,
      action,
      decision,
      reason,
      channelId: input.channelId,
      service: run?.service,
      environment: run?.environment,
      runId: run?.id,
      detail,
    });
  const inAllowedChannel = channelAllowed(deps.config, input.channelId);
  return { role: role satisfies RoleName | undefined, audit, inAllowedChannel };
}
