import { deliverRunOutcome } from '../jobs/approval-delivery.js';
import { runbooks } from '../jobs/registry.js';
import { runRefOf } from '../jobs/run-ref.js';
import { RunStore } from '../store/runs.js';
import { type ClickDeps, type ClickInput, type ClickReply, clickContext } from './click-context.js';
import { roleAtLeast } from './policy.js';

/**
 * Retry step / Abort on a run that stopped at an interrupted destructive step. An approver decides; exactly one
 * decision takes effect (a conditional status change), and every click is audited.
 */
export async function resolveInterruptedClick(
  deps: ClickDeps,
  input: ClickInput,
  decision: 'retry' | 'abort',
): Promise<ClickReply> {
  const run = await deps.store.runs.get(input.value);
  const action = decision === 'retry' ? 'retry_step' : 'abort';
  const { role, audit, inAllowedChannel } = await clickContext(deps, input, action, run);
  if (!run) {
    await audit('deny', 'not_found');
    return { ephemeral: 'That run does not exist.' };
  }
  if (!inAllowedChannel) {
    await audit('deny', 'channel_not_allowed');
    return { ephemeral: 'This is not accepted in this channel.' };
  }
  if (!roleAtLeast(role, 'approver')) {
    await audit('deny', 'forbidden', { role });
    return { ephemeral: 'Only an approver can retry an interrupted destructive step or abort the run.' };
  }
  if (decision === 'abort') {
    const aborted = await deps.store.runs.finish(run.id, {
      status: 'cancelled',
      error: `aborted by ${input.userId}`,
      from: ['needs_attention'],
    });
    if (!aborted) {
      await audit('deny', `already_${run.status}`);
      return { ephemeral: `Run ${run.id} is ${run.status}; nothing to abort.` };
    }
    await audit('allow', 'aborted');
    // Where the run left things (the prompt's message) and its ways back stay on the message after Abort.
    const recovery = runbooks.get(run.runbook)?.recovery ?? [];
    const left = run.error && recovery.length > 0 ? { message: run.error, recovery } : undefined;
    await deps.reporter.runCancelled(runRefOf(run, deps.config), input.userId, left);
    await deliverRunOutcome(deps, run.id);
    return {};
  }
  const seq = await deps.store.db.tx(async (q) => {
    const next = await new RunStore(q).requeue(run.id, ['needs_attention']);
    if (next === undefined) return undefined;
    // The interrupted step runs again from the start, and the retry gets a fresh live message.
    await q.query(
      `UPDATE run_steps SET status = 'failed', error = $2, finished_at = now() WHERE run_id = $1 AND status = 'running'`,
      [run.id, `interrupted; retry chosen by ${input.userId}`],
    );
    await q.query('UPDATE runs SET message_ts = NULL WHERE id = $1', [run.id]);
    return next;
  });
  if (seq === undefined) {
    await audit('deny', `already_${run.status}`);
    return { ephemeral: `Run ${run.id} is ${run.status}; nothing to retry.` };
  }
  await audit('allow', 'retry_step', { seq });
  await deps.queue.enqueue(run.id, seq);
  return { ephemeral: `Retrying the interrupted step of run ${run.id}.` };
}
