import { deliverDecision, deliverRunOutcome } from '../jobs/approval-delivery.js';
import { runRefOf } from '../jobs/run-ref.js';
import { type ClickDeps, type ClickInput, type ClickReply, clickContext } from './click-context.js';
import { roleAtLeast } from './policy.js';

/**
 * A Cancel click, by the requester or an approver. A run that has not started is cancelled at once; a running one
 * gets a cancel flag in the store (checked between steps) and a broadcast so whichever worker holds it aborts now.
 */
export async function cancelClick(deps: ClickDeps, input: ClickInput): Promise<ClickReply> {
  const run = await deps.store.runs.get(input.value);
  const { role, audit, inAllowedChannel } = await clickContext(deps, input, 'cancel', run);
  if (!run) {
    await audit('deny', 'not_found');
    return { ephemeral: 'That run does not exist.' };
  }
  if (!inAllowedChannel) {
    await audit('deny', 'channel_not_allowed');
    return { ephemeral: 'Runs cannot be cancelled from this channel.' };
  }
  if (run.requested_by !== input.userId && !roleAtLeast(role, 'approver')) {
    await audit('deny', 'forbidden', { role });
    return { ephemeral: `Only <@${run.requested_by}> (who requested it) or an approver can cancel run ${run.id}.` };
  }
  const flagged = await deps.store.runs.requestCancel(run.id, input.userId);
  if (!flagged) {
    await audit('deny', `already_${run.status}`);
    return { ephemeral: `Run ${run.id} already ended (${run.status}); nothing to cancel.` };
  }
  await audit('allow', 'cancel_requested', { status: flagged.status });
  const ref = runRefOf(flagged, deps.config);
  if (['planning', 'awaiting_approval', 'queued'].includes(flagged.status)) {
    if (await deps.store.runs.finish(run.id, { status: 'cancelled', error: `cancelled by ${input.userId}` })) {
      const approval = await deps.store.approvals.latestForRun(run.id);
      if (approval?.status === 'pending' && (await deps.store.approvals.supersede(deps.store.db.pool, approval.id))) {
        // Shown as cancelled: the run is cancelled and this is its newest request (see deliverDecision).
        const [superseded, cancelled] = await Promise.all([
          deps.store.approvals.get(approval.id),
          deps.store.runs.get(run.id),
        ]);
        if (superseded && cancelled) await deliverDecision(deps, superseded, cancelled);
      }
      if (ref.messageTs) await deps.reporter.runCancelled(ref, input.userId);
      // An approved run cancelled before it started: its approval message stops saying it is queued.
      await deliverRunOutcome(deps, run.id);
    }
    return { ephemeral: `Run ${run.id} is cancelled; nothing of it ran.` };
  }
  await deps.cancelBus.publish(run.id);
  return {
    ephemeral:
      flagged.risk === 'destructive'
        ? `Cancel requested for run ${run.id}. It stops after its current step (destructive steps are never cut in half).`
        : `Cancel requested for run ${run.id}; it stops now.`,
  };
}
