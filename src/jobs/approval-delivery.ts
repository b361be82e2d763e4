import type { OpsConfig } from '../config/ops-config.js';
import type { Logger } from '../log.js';
import type { Approval } from '../store/approvals.js';
import type { Run } from '../store/runs.js';
import type { Store } from '../store/store.js';
import { approvalViewOf } from './approval-view.js';
import type { ApprovalView, Reporter } from './report.js';
import { runRefOf } from './run-ref.js';

/** What delivering an approval decision needs. */
export interface DecisionDeps {
  config: OpsConfig;
  store: Store;
  reporter: Pick<Reporter, 'approvalUpdated'>;
  log: Logger;
}

/**
 * The decided request as its message shows it, rebuilt from the store alone. A request superseded because its run
 * was cancelled before approval (it is the run's newest request) shows as cancelled, by whoever cancelled.
 */
async function decisionView(deps: DecisionDeps, a: Approval, run: Run): Promise<ApprovalView> {
  const ref = runRefOf(run, deps.config);
  if (a.status === 'superseded' && run.status === 'cancelled') {
    const newest = await deps.store.approvals.latestForRun(run.id);
    if (newest?.id === a.id) {
      return approvalViewOf(a, ref, { status: 'cancelled', decidedBy: run.cancel_requested_by ?? undefined });
    }
  }
  return approvalViewOf(a, ref);
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
