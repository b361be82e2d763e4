import { messageOf, UserError } from '../../errors.js';
import { scrubSecrets } from '../../log.js';
import type { RunbookStep, StepContext } from '../runbook.js';
import { preRestoreKey } from './backup-names.js';
import { type RestoreMaterial, rollbackCommand } from './restore-plan.js';
import type { RestoreStepName } from './restore-titles.js';

/** What a failed step left in the database, and how to undo it. */
function databaseAftermath(step: RestoreStepName, m: RestoreMaterial, preKey: string, rollback: string): string {
  const preCopy = `Pre-restore backup: s3://${m.backup.bucket}/${preKey}. To roll back: \`${rollback}\`.`;
  switch (step) {
    case 'scale-down':
      return `The database was not changed and no pre-restore backup was taken, so there is nothing to roll back in it (it would have been ${preKey}).`;
    case 'pre-restore-backup':
      return `The database was not changed. The pre-restore backup ${preKey} is incomplete; do not restore from it.`;
    case 'restore':
      return `The restore runs in one transaction, so the database should be as it was; check it. ${preCopy}`;
    case 'verify':
      return `The restored database failed verification. ${preCopy}`;
    case 'scale-up':
      return `The database was restored and verified. ${preCopy}`;
  }
}

/** Where a failed step left the application, and how to bring it back. */
function applicationAftermath(step: RestoreStepName, m: RestoreMaterial): string {
  if (m.deployment === null) {
    // Nothing was scaled: the person stopped the writers themselves, as the plan asked.
    const none = 'No deployment is configured, so nothing was scaled down;';
    if (step === 'restore' || step === 'verify')
      return `${none} keep the writers you stopped off until the database is right.`;
    if (step === 'scale-up') return `${none} start again whatever writers you stopped.`;
    return `${none} start again whatever writers you stopped, or run the restore again.`;
  }
  const { namespace, name, replicas } = m.deployment;
  const scaleBack = `kubectl -n ${namespace} scale deployment/${name} --replicas=${replicas}`;
  switch (step) {
    case 'scale-down':
      return `The deployment may be partly scaled down: scale it back to ${replicas} (${scaleBack}).`;
    case 'pre-restore-backup':
      return `The deployment is at 0 replicas (was ${replicas}): run the restore again, or scale back with ${scaleBack}.`;
    case 'restore':
    case 'verify':
      return `The deployment stays at 0 replicas (was ${replicas}) until the database is right: ${scaleBack}.`;
    case 'scale-up':
      return `Scale the deployment back to ${replicas}: ${scaleBack}.`;
  }
}

/** A step's failure as a message for the channel: the step, the cause, the safety copy and how to roll back. */
export function restoreFailure(
  ctx: Pick<StepContext<unknown>, 'target' | 'runId'>,
  step: Pick<RunbookStep<unknown>, 'title'> & { name: RestoreStepName },
  material: RestoreMaterial,
  cause: string,
): UserError {
  const preKey = preRestoreKey(material.backup.prefix, ctx.runId);
  const rollback = rollbackCommand(ctx, preKey);
  const reason = scrubSecrets(cause).replace(/\.$/, '');
  return new UserError(
    'unavailable',
    `Restore stopped: step "${step.title}" (${step.name}) failed: ${reason}. ${databaseAftermath(step.name, material, preKey, rollback)} ${applicationAftermath(step.name, material)}`,
  );
}

/** Time a guarded step keeps for itself before the executor's timeout, to fail with the full message. */
function graceMs(timeoutMs: number): number {
  return Math.min(5_000, Math.floor(timeoutMs / 10));
}

/**
 * Runs a restore step so that any failure (its own timeout included) becomes {@link restoreFailure}. The step's work
 * gets a deadline slightly before the executor's, because the executor reports its own timeout, which would lose
 * the rollback instructions.
 */
export async function guardRestoreStep<T>(
  ctx: StepContext<unknown>,
  step: Pick<RunbookStep<unknown>, 'title' | 'timeoutMs'> & { name: RestoreStepName },
  material: RestoreMaterial,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const budget = AbortSignal.timeout(step.timeoutMs - graceMs(step.timeoutMs));
  const signal = AbortSignal.any([ctx.signal, budget]);
  try {
    return await work(signal);
  } catch (err) {
    const cause = budget.aborted && !ctx.signal.aborted ? `timed out after ${step.timeoutMs / 1000} s` : messageOf(err);
    throw restoreFailure(ctx, step, material, cause);
  }
}
