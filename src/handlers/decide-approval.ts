import type { OpsConfig, RoleName } from '../config/ops-config.js';
import { deliverDecision } from '../jobs/approval-delivery.js';
import { approvalViewOf } from '../jobs/approval-view.js';
import { runRefOf } from '../jobs/run-ref.js';
import { type Run, RunStore } from '../store/runs.js';
import { type ClickDeps, type ClickInput, type ClickReply, clickContext } from './click-context.js';
import { roleAtLeast } from './policy.js';

const maxReasonLength = 500;
/** How many approvers a refusal names before it says how many more there are. */
const maxNamed = 10;

/** "a viewer", "an operator", "not in any role". */
function roleWords(role: RoleName | undefined): string {
  return role ? `${/^[aeiou]/.test(role) ? 'an' : 'a'} ${role}` : 'not in any role';
}

/** The config's approvers and admins as Slack shows them: people, user groups, or everyone. */
function approverNames(cfg: OpsConfig): string {
  const members = [...new Set([...cfg.roles.approver, ...cfg.roles.admin])];
  if (members.includes('*')) return 'everyone';
  if (members.length === 0) return 'nobody yet: add people under roles.approver in the ops config';
  const named = members.slice(0, maxNamed).map((m) => (m.startsWith('S') ? `anyone in <!subteam^${m}>` : `<@${m}>`));
  const more = members.length - named.length;
  if (more > 0) return `${named.join(', ')} and ${more} more`;
  return named.length > 1 ? `${named.slice(0, -1).join(', ')} or ${named.at(-1)}` : (named[0] ?? '');
}

/** Why a Reject is refused to someone without the role, saying who can act instead. */
function whoCanReject(cfg: OpsConfig, run: Run, role: RoleName | undefined, clicker: string): string {
  const instead =
    run.requested_by === clicker
      ? 'You requested it, so you can cancel it instead.'
      : `The requester <@${run.requested_by}> can cancel it instead.`;
  return `Only approvers can reject ${run.runbook}: people with the approver or admin role (${approverNames(cfg)}). You are ${roleWords(role)}. ${instead}`;
}

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
      `Only approvers can approve ${run.runbook}; you are ${roleWords(role)}. Ask someone with the approver role.`,
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
  const ctx = await approverClick(deps, input, 'reject', (run, role) =>
    whoCanReject(deps.config, run, role, input.userId),
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

/**
 * A Reject click, before its reason modal opens: the same checks as the decision, and the request must still be
 * pending, so nobody is refused only after typing a reason. A refusal is audited and answered; an accepted click is
 * audited by `audit` once the modal is open.
 */
export async function rejectButtonClick(
  deps: ClickDeps,
  input: ClickInput,
): Promise<{ refused: ClickReply } | { audit: (reason: string) => Promise<void> }> {
  const ctx = await approverClick(deps, input, 'reject', (run, role) =>
    whoCanReject(deps.config, run, role, input.userId),
  );
  if ('refused' in ctx) return ctx;
  const { approval, audit, detail } = ctx;
  const status =
    approval.status === 'pending' && approval.expires_at.getTime() <= Date.now() ? 'expired' : approval.status;
  if (status !== 'pending') {
    await audit('deny', `already_${status}`, detail);
    return { refused: { ephemeral: `This request is already ${status}; nothing to reject.` } };
  }
  return { audit: (reason) => audit('info', reason, detail) };
}

/** The reject modal closed without a reason submitted (Slack's view_closed): audited like any click. */
export async function rejectModalClosed(deps: ClickDeps, input: ClickInput): Promise<void> {
  const approval = await deps.store.approvals.get(input.value);
  const run = approval ? await deps.store.runs.get(approval.run_id) : undefined;
  const { audit } = await clickContext(deps, input, 'reject', run);
  await audit('info', 'reason_modal_closed', { approvalId: input.value });
}
