import type { Readable } from 'node:stream';
import { messageOf, UserError } from '../../../errors.js';
import { parsePgUrl } from '../../../infra/pg-connection.js';
import { createRestoreDatabase, databaseStates, swapDatabases } from '../../../infra/pg-databases.js';
import { rewriteDump } from '../../../infra/pg-dump-rewrite.js';
import { databaseUrl } from '../../../infra/pg-scratch.js';
import { archiveScript, restoreScript } from '../../../infra/pg-tools.js';
import { detectBackupFormat } from '../../backup-format.js';
import type { RunbookStep, StepContext } from '../../runbook.js';
import { stepProgress } from '../../step-progress.js';
import { requireBackups, requireDatabaseUrl } from '../backup/backup-context.js';
import { dumpToS3 } from '../backup/dump-to-s3.js';
import { checkDatabase, checksSql, failedChecks } from './restore-checks.js';
import { scaleDown, scaleUp, skipStep } from './restore-deployment.js';
import { recoverRestore } from './restore-failure.js';
import { type RestoreMaterial, restoreMaterial } from './restore-plan.js';
import { type RestoreStepName, restoreStepTitles } from './restore-titles.js';

function titleOf(name: RestoreStepName): string {
  return restoreStepTitles.find((s) => s.name === name)?.title ?? name;
}

/** The approved plan's material: every step acts on what was approved, not on what it reads now. */
export function approvedMaterial(ctx: StepContext<unknown>): RestoreMaterial {
  if (!ctx.plan) throw new Error('a restore step ran without its approved plan');
  return restoreMaterial.parse(ctx.plan.material);
}

/** The configured database URL, refused when it no longer names the database the plan was approved for. */
export function approvedDatabaseUrl(ctx: StepContext<unknown>, m: RestoreMaterial): string {
  const url = requireDatabaseUrl(ctx.target);
  const conn = parsePgUrl(url);
  if (conn.host !== m.database.host || conn.port !== m.database.port || conn.database !== m.database.name) {
    throw new Error(`the configured database is no longer ${m.database.name} on ${m.database.host}, as approved`);
  }
  return url;
}

/** Time a guarded step keeps for itself before the executor's timeout, to put things back and say so. */
function graceMs(timeoutMs: number): number {
  return Math.min(60_000, Math.floor(timeoutMs / 5));
}

/** Declares one step whose failures are put right where possible, and always say where things stand. */
function restoreStep<T>(
  name: RestoreStepName,
  timeoutMs: number,
  flags: { destructive?: boolean; idempotent: boolean },
  work: (ctx: StepContext<unknown>, m: RestoreMaterial, signal: AbortSignal) => Promise<T>,
): RunbookStep<unknown> {
  const title = titleOf(name);
  return {
    name,
    title,
    timeoutMs,
    ...flags,
    async run(ctx) {
      const m = approvedMaterial(ctx);
      ctx.progress(stepProgress(restoreStepTitles, name));
      // The work gets a deadline before the executor's, so a timeout still leaves time to put things back.
      const budget = AbortSignal.timeout(timeoutMs - graceMs(timeoutMs));
      const signal = AbortSignal.any([ctx.signal, budget]);
      try {
        return await work(ctx, m, signal);
      } catch (err) {
        if (ctx.signal.aborted && !budget.aborted) throw err;
        const cause = budget.aborted ? `timed out after ${timeoutMs / 1000} s` : messageOf(err);
        return recoverRestore(ctx, m, { name, title }, cause);
      }
    },
  };
}

/**
 * Streams the approved backup into `url` with psql, in one transaction: archives through pg_restore's script, both
 * through the approved rewrite (the dump's own drops left out, owners and grants of missing roles skipped).
 */
async function restoreBackupInto(
  ctx: StepContext<unknown>,
  m: RestoreMaterial,
  url: string,
  frame: { before: string; after: string },
  signal: AbortSignal,
): Promise<{ format: 'plain' | 'custom'; gzipped: boolean }> {
  const backup = m.backup;
  if (!backup) throw new Error('this restore has no backup to restore');
  const source = await requireBackups(ctx).openRead(backup.key, { signal, ifMatch: backup.etag });
  let detected: Awaited<ReturnType<typeof detectBackupFormat>>;
  try {
    detected = await detectBackupFormat(source);
  } catch (err) {
    source.destroy();
    throw new Error(`${backup.key} is not a readable backup (${messageOf(err)})`);
  }
  const script: Readable = detected.format === 'custom' ? archiveScript(detected.stream, signal) : detected.stream;
  const rewritten = rewriteDump(m.rewrite);
  // pipe() does not forward errors: a broken download or pg_restore failure must fail psql's input, not end it.
  script.once('error', (err) => rewritten.destroy(err));
  rewritten.once('close', () => script.destroy());
  await restoreScript(url, script.pipe(rewritten), frame, signal);
  return { format: detected.format, gzipped: detected.gzipped };
}

const elapsed = (started: number) => Math.round(performance.now() - started);

/** The database a side-by-side restore or a swap-back puts in production's place. */
function incomingUrl(ctx: StepContext<unknown>, m: RestoreMaterial): string {
  if (!m.incoming) throw new Error('this restore has no database to swap in');
  return databaseUrl(approvedDatabaseUrl(ctx, m), m.incoming);
}

/**
 * The restore: side by side (restore and verify a new database while production serves, then a short cutover),
 * in place (scale down, then restore over production in one transaction), or a swap-back (a rollback). Steps a mode
 * does not need are skipped and say why.
 */
export const restoreSteps: RunbookStep<unknown>[] = [
  restoreStep('restore-side', 120 * 60_000, { idempotent: true }, async (ctx, m, signal) => {
    if (m.mode === 'in-place') return skipStep(ctx, 'restore-side', 'in place, nothing is restored beside production');
    if (m.mode === 'swap-back')
      return skipStep(ctx, 'restore-side', `a rollback restores nothing: it puts ${m.incoming} back`);
    const url = approvedDatabaseUrl(ctx, m);
    const name = m.incoming ?? '';
    const started = performance.now();
    ctx.progress(stepProgress(restoreStepTitles, 'restore-side', `creating ${name}`));
    const made = await createRestoreDatabase(
      url,
      {
        production: m.database.name,
        name,
        mark: { chatops: 'restored', run: ctx.runId, production: m.database.name, at: new Date().toISOString() },
      },
      signal,
    );
    ctx.progress(stepProgress(restoreStepTitles, 'restore-side', `restoring ${m.backup?.key} into ${name}`));
    const kind = await restoreBackupInto(ctx, m, databaseUrl(url, name), { before: '', after: checksSql(m) }, signal);
    return {
      database: name,
      ...kind,
      size: m.backup?.size ?? 0,
      owner: made.owner,
      ownerKept: made.ownerKept,
      durationMs: elapsed(started),
    };
  }),

  restoreStep('verify-side', 10 * 60_000, { idempotent: true }, async (ctx, m, signal) => {
    if (m.mode === 'in-place') {
      return skipStep(ctx, 'verify-side', 'in place, the checks run inside the restore\u2019s transaction');
    }
    const results = await checkDatabase(incomingUrl(ctx, m), m, signal);
    const failed = failedChecks(results);
    if (failed) throw new UserError('unavailable', failed);
    return { database: m.incoming, results };
  }),

  restoreStep('pre-restore-backup', 60 * 60_000, { idempotent: true }, async (ctx, m, signal) => {
    if (!m.preRestoreKey) {
      return skipStep(ctx, 'pre-restore-backup', `production's database is kept as ${m.keepAs} instead`);
    }
    const url = approvedDatabaseUrl(ctx, m);
    const key = m.preRestoreKey;
    ctx.progress(stepProgress(restoreStepTitles, 'pre-restore-backup', `pg_dump → ${key}`));
    const copy = await dumpToS3(requireBackups(ctx), { databaseUrl: url, key, format: 'plain', signal });
    return { key: copy.key, size: copy.size, etag: copy.etag, durationMs: copy.durationMs };
  }),

  restoreStep('scale-down', 10 * 60_000, { idempotent: true }, (ctx, m, signal) => scaleDown(ctx, m, signal)),

  restoreStep('cutover', 120 * 60_000, { destructive: true, idempotent: false }, async (ctx, m, signal) => {
    const url = approvedDatabaseUrl(ctx, m);
    const started = performance.now();
    const about = { run: ctx.runId, mode: m.mode, backup: m.backup?.key ?? null, rollbackOf: m.rollbackOf };
    if (m.mode === 'in-place') {
      ctx.progress(stepProgress(restoreStepTitles, 'cutover', `restoring ${m.backup?.key} into ${m.database.name}`));
      const kind = await restoreBackupInto(ctx, m, url, { before: m.drops.join('\n'), after: checksSql(m) }, signal);
      return { ...about, ...kind, durationMs: elapsed(started) };
    }
    const incoming = m.incoming ?? '';
    const keepAs = m.keepAs ?? '';
    const [, inc, kept] = await databaseStates(url, [m.database.name, incoming, keepAs], signal);
    // A retried cutover whose renames had committed finds them done: never swap twice.
    if (inc && kept && !inc.exists && kept.exists) return { ...about, sessionsEnded: 0, durationMs: 0, resumed: true };
    ctx.progress(stepProgress(restoreStepTitles, 'cutover', `swapping ${incoming} into ${m.database.name}`));
    const swap = await swapDatabases(
      url,
      {
        production: m.database.name,
        incoming,
        keepAs,
        keepMark: {
          chatops: m.keepMark,
          run: m.rollbackOf ?? ctx.runId,
          production: m.database.name,
          at: new Date().toISOString(),
        },
      },
      signal,
    );
    return { ...about, sessionsEnded: swap.sessionsEnded, durationMs: elapsed(started) };
  }),

  restoreStep('scale-up', 10 * 60_000, { idempotent: true }, (ctx, m, signal) => scaleUp(ctx, m, signal)),

  restoreStep('verify', 10 * 60_000, { idempotent: true }, async (ctx, m, signal) => {
    const results = await checkDatabase(approvedDatabaseUrl(ctx, m), m, signal);
    const failed = failedChecks(results);
    if (failed) throw new UserError('unavailable', failed);
    return { results };
  }),
];
