import type { OpsConfig, RoleName } from '../config/ops-config.js';
import type { UserErrorCode } from '../errors.js';
import type { Infra } from '../infra/infra.js';
import type { RunQueue } from '../jobs/queue.js';
import type { Risk, RunTarget } from '../jobs/runbook.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Store } from '../store/store.js';
import type { RunDetail, RunSummary, ScheduleSummary } from './history.js';
import type { GroupDirectory } from './policy.js';

/** A slash command as the bot received it. */
export interface CommandInput {
  command: string;
  text: string;
  userId: string;
  channelId: string;
  requestId?: string;
}

/** One line of help. */
export interface HelpEntry {
  usage: string;
  summary: string;
  risk: Risk;
  examples: string[];
}

/** One firing group as `alerts` lists it. */
export interface AlertListing {
  labels: Record<string, string>;
  alerts: { alertname: string; summary?: string; startsAt: string; labels: Record<string, string> }[];
  /** The bot's own record of the group (from the webhook): its buttons work on it. */
  known?: { id: string; suggestions: string[]; silenced: boolean };
}

/** What the user is told right away (ephemerally); the bot renders it. */
export type CommandReply =
  | { kind: 'help'; command: string; serviceName: string; role: RoleName; entries: HelpEntry[]; environments: string[] }
  | { kind: 'refused'; code: UserErrorCode; message: string; suggestion?: string }
  | { kind: 'runs'; serviceName: string; runs: RunSummary[] }
  | { kind: 'run'; serviceName: string; run: RunDetail }
  | { kind: 'schedules'; serviceName: string; schedules: ScheduleSummary[] }
  | { kind: 'alerts'; serviceName: string; groups: AlertListing[]; more: number }
  | {
      kind: 'accepted';
      runId: string;
      runbook: string;
      environment: string;
      serviceName: string;
      /** running: queued now; planning: a plan is computed and posted for approval; dry_run: the plan only. */
      phase: 'running' | 'planning' | 'dry_run';
    };

/** What handling a command needs. */
export interface CommandDeps {
  config: OpsConfig;
  store: Store;
  queue: RunQueue;
  groups: GroupDirectory;
  log: Logger;
  /** Counters for /metrics (optional in tests). */
  metrics?: Pick<Metrics, 'commandHandled' | 'approvalDecided'>;
  /** Adapters for validating arguments against reality (e.g. the backup exists). */
  createInfra(target: RunTarget): Infra;
}
