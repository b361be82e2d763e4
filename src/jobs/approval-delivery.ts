import type { OpsConfig } from '../config/ops-config.js';
import type { Logger } from '../log.js';
import type { Approval } from '../store/approvals.js';
import type { Run } from '../store/runs.js';
import type { Store } from '../store/store.js';
import { approvalViewOf } from './approval-view.js';
import type { ApprovalView, ApprovedRunOutcome, Reporter } from './report.js';
import { runRefOf } from './run-ref.js';

/** What delivering an approval decision needs. */
export interface DecisionDeps {
  config: OpsConfig;
  store: Store;
  reporter: Pick<Reporter, 'approvalUpdated'>;
  log: Logger;
}

/** How an approved run ended, once it has ended in one of the ways its approval message tells. */
function outcomeOf(run: Run): ApprovedRunOutcome | undefined {
  if (run.status !== 'succeeded' && run.status !== 'failed' && run.status !== 'cancelled') return undefined;
  return {
    status: run.status,
    by: run.status === 'cancelled' ? (run.cancel_requested_by ?? undefined) : undefined,
    messageTs: run.message_ts ?? undefined,
  };
}

/**
 * The decided request as its message shows it, rebuilt from the store alone. A request superseded because its run
 * was cancelled before approval (it is the run's newest request) shows as cancelled, by whoever cancelled. An
 * approved request whose run ended says how, in place of "queued".
 */
async function decisionView(deps: DecisionDeps, a: Approval, run: Run): Promise<ApprovalView> {
  const ref = runRefOf(run, deps.config);
  if (a.status === 'superseded' && run.status === 'cancelled') {
    const newest = await deps.store.approvals.latestForRun(run.id);
    if (newest?.id === a.id) {
      return approvalViewOf(a, ref, { status: 'cancelled', decidedBy: run.cancel_requested_by ?? undefined });
    }
  }
  if (a.status === 'approved') {
    const outcome = outcomeOf(run);
    if (outcome) return approvalViewOf(a, ref, { outcome });
  }
  return approvalViewOf(a, ref);
}

/**
 * Once a run that had an approval ended (succeeded, failed, cancelled), shows how on the approval message, with a
 * link to the run's message. The message is marked undelivered first, so the sweeper retries it should this fail.
 * Never throws: the run's own report is what matters, and it is already out.
 */
export async function deliverRunOutcome(deps: DecisionDeps, runId: string): Promise<void> {
  try {
    const run = await deps.store.runs.get(runId);
    if (!run || !outcomeOf(run)) return;
    const approval = await deps.store.approvals.latestForRun(runId);
    if (approval?.status !== 'approved' || !approval.message_ts) return;
    await deps.store.approvals.reopenDelivery(approval.id);
    await deliverDecision(deps, approval, run);
  } catch (err) {
    deps.log.warn({ err, runId }, 'could not show how an approved run ended on its approval message');
  }
}

/**
 * Shows a decision on the request's message (the buttons go) and records that Slack took it. The decision itself is
 * already committed, so a failure here is logged and left to the re-delivery sweeper; it never undoes the click.
 * Returns whether the message was updated now.
 */
export async function deliverDecision(deps: DecisionDeps, approval: Approval, run?: Run): Promise<boolean> {
  if (approval.status === 'pending' || !approval.message_ts) return false;
  const owner = run ?? (await deps.store.runs.get(approval.run_id));
  if (!owner) {
    // The run is gone (retention); there is nothing left to show.
    await deps.store.approvals.markDecisionReported(approval.id);
    return false;
  }
  try {
    await deps.reporter.approvalUpdated(await decisionView(deps, approval, owner), approval.message_ts);
  } catch (err) {
    deps.log.warn(
      { err, approvalId: approval.id, runId: owner.id },
      'could not show an approval decision; it will be re-delivered',
    );
    return false;
  }
  await deps.store.approvals.markDecisionReported(approval.id);
  return true;
}

/** Re-delivers decisions whose message update was never confirmed; returns how many were claimed. */
export async function redeliverDecisions(
  deps: DecisionDeps,
  opts: { graceMs: number; claimMs: number; maxAttempts: number; limit: number },
): Promise<number> {
  const due = await deps.store.approvals.claimUndeliveredDecisions(opts);
  for (const a of due) {
    deps.log.warn({ approvalId: a.id, runId: a.run_id }, 're-delivering an approval decision that was never confirmed');
    await deliverDecision(deps, a);
  }
  return due.length;
}
