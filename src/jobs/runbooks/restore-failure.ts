import { messageOf, UserError } from '../../errors.js';
import { scrubSecrets } from '../../log.js';
import type { RunbookStep, StepContext } from '../runbook.js';
import { preRestoreKey } from './backup-names.js';
import { type RestoreMaterial, rollbackCommand } from './restore-plan.js';

/** The restore's step names, in order. */
export type RestoreStepName = 'scale-down' | 'pre-restore-backup' | 'restore' | 'verify' | 'scale-up';

/** What state each failed step leaves behind, and what a person should do about it. */
function aftermath(step: RestoreStepName, m: RestoreMaterial, preKey: string, rollback: string): string {
  const { namespace, name, replicas } = m.deployment;
  const scaleBack = `kubectl -n ${namespace} scale deployment/${name} --replicas=${replicas}`;
  const preCopy = `Pre-restore backup: s3://${m.backup.bucket}/${preKey}.`;
  switch (step) {
    case 'scale-down':
      return `The database was not changed and no pre-restore backup was taken, so there is nothing to roll back in it (it would have been ${preKey}). The deployment may be partly scaled down: scale it back to ${replicas} (${scaleBack}).`;
    case 'pre-restore-backup':
      return `The database was not changed. The pre-restore backup ${preKey} is incomplete; do not restore from it. The deployment is at 0 replicas (was ${replicas}): run the restore again, or scale back with ${scaleBack}.`;
    case 'restore':
      return `The restore runs in one transaction, so the database should be as it was; check it. ${preCopy} To roll back: \`${rollback}\`. The deployment stays at 0 replicas (was ${replicas}) until the database is right: ${scaleBack}.`;
    case 'verify':
      return `The restored database failed verification. ${preCopy} To roll back: \`${rollback}\`. The deployment stays at 0 replicas (was ${replicas}) until the database is right: ${scaleBack}.`;
    case 'scale-up':
      return `The database was restored and verified. ${preCopy} To roll back: \`${rollback}\`. Scale the deployment back to ${replicas}: ${scaleBack}.`;
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
    `Restore stopped: step "${step.title}" (${step.name}) failed: ${reason}. ${aftermath(step.name, material, preKey, rollback)}`,
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
