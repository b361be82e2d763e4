import type { CheckStatus } from './health/check.js';
import type { Plan } from './plan.js';

/** The state of one line of a run's live message: a check or a step. */
export type ItemStatus = 'pending' | 'running' | 'succeeded' | 'failed' | CheckStatus;

/** One line of a run's live message. */
export interface ProgressItem {
  id: string;
  title: string;
  status: ItemStatus;
  value?: string;
  threshold?: string;
  summary?: string;
}

/** The overall outcome shown in a report's header. */
export type ReportStatus = 'ok' | 'warn' | 'fail' | 'error' | 'skipped';

/** A finished run's report: the summary lines for the channel message and the detail for its thread. */
export interface RunReport {
  status: ReportStatus;
  headline: string;
  items: ProgressItem[];
  /** Detail sections for the thread reply, each a title with lines; too long for a message, they become a file. */
  details: { title: string; lines: string[] }[];
  /** Files for the thread (charts, full listings), uploaded with files.uploadV2. */
  files?: ReportFile[];
}

/** A file attached to a report. Binary content (a PNG) is base64, since reports are stored as JSON. */
export interface ReportFile {
  filename: string;
  title: string;
  /** Text content, or base64 of binary content. */
  content: string;
  encoding: 'utf8' | 'base64';
}

/** What the reporter knows about a run to address its message. */
export interface RunRef {
  runId: string;
  runbook: string;
  service: string;
  serviceName: string;
  environment: string;
  requestedBy: string;
  channelId: string;
  messageTs?: string;
  /** The message whose thread the run reports in (an alert's diagnosis). */
  threadTs?: string;
}

/** An approval request as people see it. */
export interface ApprovalView {
  approvalId: string;
  run: RunRef;
  plan: Plan;
  /** `dry_run` shows the plan without buttons. */
  status: 'pending' | 'approved' | 'rejected' | 'expired' | 'superseded' | 'dry_run' | 'cancelled';
  quorum: number;
  approvers: string[];
  expiresAt: Date;
  decidedBy?: string;
  decidedAt?: Date;
  reason?: string;
  /** What changed since the plan that was approved before, when a run asks again. */
  changes?: string[];
  /** How the approved run ended, once it has: the message then says so and links to the run's own message. */
  outcome?: ApprovedRunOutcome;
}

/** How an approved run ended, as its approval message shows it. */
export interface ApprovedRunOutcome {
  status: 'succeeded' | 'failed' | 'cancelled';
  /** Who cancelled it. */
  by?: string;
  /** The run's own message (its report, failure or cancel notice); absent when it ended without one. */
  messageTs?: string;
}

/**
 * A way back a stopped run offers as a button: each starts its own run (through the same policy and approvals as the
 * command), e.g. `restore rollback <run>` and `restore scale-up <run>`.
 */
export type RecoveryAction = 'rollback' | 'scale-up';

/** A step failure the run could not put right by itself: it stops for a person with this message and buttons. */
export class NeedsAttention extends Error {
  readonly recovery: readonly RecoveryAction[];
  constructor(message: string, recovery: readonly RecoveryAction[]) {
    super(message);
    this.name = 'NeedsAttention';
    this.recovery = recovery;
  }
}

/**
 * How the worker reports to people. jobs/ defines it; bot/outbox implements it; main.ts connects them.
 * Only the calls the worker actually makes are declared here.
 */
export interface Reporter {
  /** Posts the run's live message listing its items; returns the message ts. */
  runStarted(run: RunRef, items: ProgressItem[]): Promise<string>;
  /** Updates the live message; updates are coalesced, so only the newest state is sent. */
  runProgress(run: RunRef, items: ProgressItem[]): void;
  /** Replaces the live message with the report and posts the detail in its thread. */
  runFinished(run: RunRef, report: RunReport): Promise<void>;
  /** Tells the channel a run failed, with a short message and an error id. */
  runFailed(run: RunRef, failure: { message: string; errorId: string; step?: string }): Promise<void>;
  /**
   * Tells the channel a run stopped and needs a person (an interrupted destructive step, or a failure the run could
   * not put right itself), with Retry step / Abort and the runbook's recovery buttons.
   */
  runNeedsAttention(run: RunRef, message: string, recovery?: readonly RecoveryAction[]): Promise<void>;
  /**
   * Tells the channel a run was cancelled, and by whom. `left` is where an aborted run left things, with the
   * recovery buttons that still apply, so nothing is left down without the message saying so.
   */
  runCancelled(run: RunRef, by: string, left?: { message: string; recovery: readonly RecoveryAction[] }): Promise<void>;
  /** Posts a plan with Approve/Reject buttons (or, for a dry run, the plan alone); returns the message ts. */
  approvalRequested(view: ApprovalView): Promise<string>;
  /** Replaces an approval message with its current state; buttons go once it is decided. */
  approvalUpdated(view: ApprovalView, messageTs: string): Promise<void>;
}
