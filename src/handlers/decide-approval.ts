import type { RoleName } from '../config/ops-config.js';
import { deliverDecision } from '../jobs/approval-delivery.js';
import { approvalViewOf } from '../jobs/approval-view.js';
import { runRefOf } from '../jobs/run-ref.js';
import { type Run, RunStore } from '../store/runs.js';
import { type ClickDeps, type ClickInput, type ClickReply, clickContext } from './click-context.js';
import { roleAtLeast } from './policy.js';

const maxReasonLength = 500;

/**
 * Loads the approval and its run for a click and checks what every decision needs: the request exists, the channel
 * is allowed, the clicker is an approver. Refusals are audited and come back as the reply.
 */
async function approverClick(
  deps: ClickDeps,
  input: ClickInput,
  action: 'approve' | 'reject',
  notApprover: (run: Run, role: RoleName | undefined) => string,
) {
  const approval = await deps.store.approvals.get(input.value);
  const run = approval ? await deps.store.runs.get(approval.run_id) : undefined;
  const { role, audit, inAllowedChannel } = await clickContext(deps, input, action, run);
  const detail = { approvalId: input.value };
  const refuse = async (reason: string, ephemeral: string, extra: Record<string, unknown> = {}) => {
    await audit('deny', reason, { ...detail, ...extra });
    return { refused: { ephemeral } satisfies ClickReply };
  };
  if (!approval || !run) return refuse('not_found', 'That approval request does not exist (any more).');
  if (!inAllowedChannel) return refuse('channel_not_allowed', 'Approvals are not accepted in this channel.');
  if (!roleAtLeast(role, 'approver')) return refuse('forbidden', notApprover(run, role), { role });
  return { approval, run, audit, detail };
}

/**
 * An Approve click. The clicker must be an approver (or admin) and not the requester. The vote and, at quorum, the
 * approval and the run's queueing happen in one transaction under a row lock, so concurrent clicks on any number of
 * instances decide exactly once. Every click is audited, refused ones too.
 */
export async function approveClick(deps: ClickDeps, input: ClickInput): Promise<ClickReply> {
  const ctx = await approverClick(
    deps,
    input,
    'approve',
    (run, role) =>
      `Only approvers can approve ${run.runbook}; you are ${role ? `${/^[aeiou]/.test(role) ? 'an' : 'a'} ${role}` : 'not in any role'}. Ask someone with the approver role.`,
  );
  if ('refused' in ctx) return ctx.refused;
  const { approval, run, audit, detail } = ctx;
  let seq: number | undefined;
  const outcome = await deps.store.approvals.vote(approval.id, input.userId, async (q, a) => {
    seq = await new RunStore(q).requeue(a.run_id, ['awaiting_approval']);
  });
  const ref = runRefOf(run, deps.config);
  switch (outcome.kind) {
    case 'approved': {
      await audit('allow', 'approved', { ...detail, approvers: outcome.approval.approvers });
      deps.metrics?.approvalDecided('approved');
      if (seq !== undefined) await deps.queue.enqueue(run.id, seq);
      await deliverDecision(deps, outcome.approval, run);
      return {};
    }
    case 'counted': {
      await audit('allow', 'vote_counted', { ...detail, approvers: outcome.approval.approvers });
      if (outcome.approval.message_ts) {
        await deps.reporter.approvalUpdated(approvalViewOf(outcome.approval, ref), outcome.approval.message_ts);
      }
      const left = outcome.approval.quorum - outcome.approval.approvers.length;
      return { ephemeral: `Your approval is counted. ${left} more approver${left === 1 ? '' : 's'} needed.` };
    }
    case 'self_approval':
      await audit('deny', 'self_approval', detail);
      return { ephemeral: 'You requested this run, so you cannot approve it. A second person must.' };
    case 'already_voted':
      await audit('deny', 'already_voted', detail);
      return { ephemeral: 'You already approved this request; it needs a different approver.' };
    case 'expired':
      await audit('deny', 'expired', detail);
      return {
        ephemeral: `This request expired at ${outcome.approval.expires_at.toISOString()}. Nothing was run; request it again.`,
      };
    case 'not_pending':
      await audit('deny', `already_${outcome.approval.status}`, detail);
      return {
        ephemeral: `This request was already ${outcome.approval.status}${outcome.approval.decided_by ? ` by <@${outcome.approval.decided_by}>` : ''}.`,
      };
    case 'not_found':
      await audit('deny', 'not_found', detail);
      return { ephemeral: 'That approval request does not exist (any more).' };
  }
}

/** A Reject decision (from the reason modal or the button). Approvers other than the requester may reject. */
export async function rejectClick(deps: ClickDeps, input: ClickInput): Promise<ClickReply> {
  const ctx = await approverClick(
    deps,
    input,
    'reject',
    (run) => `Only approvers can reject ${run.runbook}; the requester can cancel it instead.`,
  );
  if ('refused' in ctx) return ctx.refused;
  const { approval, run, audit, detail } = ctx;
  const reason = input.reason?.trim().slice(0, maxReasonLength) || undefined;
  const { decided, approval: after } = await deps.store.approvals.reject(approval.id, input.userId, reason);
  if (!decided || !after) {
    await audit('deny', `already_${after?.status ?? 'gone'}`, detail);
    return { ephemeral: `This request is already ${after?.status ?? 'gone'}; nothing changed.` };
  }
  await audit('allow', 'rejected', { ...detail, reason });
  deps.metrics?.approvalDecided('rejected');
  await deps.store.runs.finish(run.id, {
    status: 'rejected',
    error: `rejected by ${input.userId}${reason ? `: ${reason}` : ''}`,
  });
  await deliverDecision(deps, after, run);
  return {};
}
