import { messageOf, UserError } from '../../errors.js';
import { parsePgUrl } from '../../infra/pg-connection.js';
import { queryNumber } from '../../infra/pg-query.js';
import { restoreCustom, restorePlain } from '../../infra/pg-tools.js';
import { detectBackupFormat } from '../backup-format.js';
import type { RunbookStep, StepContext } from '../runbook.js';
import { stepProgress } from '../step-progress.js';
import { requireBackups, requireDatabaseUrl } from './backup-context.js';
import { preRestoreKey } from './backup-names.js';
import { dumpToS3 } from './dump-to-s3.js';
import { scaleDown, scaleUp } from './restore-deployment.js';
import { guardRestoreStep } from './restore-failure.js';
import { type RestoreMaterial, restoreMaterial } from './restore-plan.js';
import { type RestoreStepName, restoreStepTitles } from './restore-titles.js';

/** The restore's params as the steps see them. */
export interface RestoreParams {
  key: string;
}

function titleOf(name: RestoreStepName): string {
  return restoreStepTitles.find((s) => s.name === name)?.title ?? name;
}

/** The approved plan's material: every step acts on what was approved, not on what it reads now. */
export function approvedMaterial(ctx: StepContext<unknown>): RestoreMaterial {
  if (!ctx.plan) throw new Error('a restore step ran without its approved plan');
  return restoreMaterial.parse(ctx.plan.material);
}

/** The configured database URL, refused when it no longer names the database the plan was approved for. */
function approvedDatabaseUrl(ctx: StepContext<unknown>, m: RestoreMaterial): string {
  const url = requireDatabaseUrl(ctx.target);
  const conn = parsePgUrl(url);
  if (conn.host !== m.database.host || conn.port !== m.database.port || conn.database !== m.database.name) {
    throw new Error(`the configured database is no longer ${m.database.name} on ${m.database.host}, as approved`);
  }
  return url;
}

/** Declares one step whose failures carry the rollback instructions. */
function restoreStep<T>(
  name: RestoreStepName,
  timeoutMs: number,
  flags: { destructive?: boolean; idempotent: boolean },
  work: (ctx: StepContext<RestoreParams>, m: RestoreMaterial, signal: AbortSignal) => Promise<T>,
): RunbookStep<RestoreParams> {
  const step = { name, title: titleOf(name), timeoutMs, ...flags };
  return {
    ...step,
    run(ctx) {
      const m = approvedMaterial(ctx);
      ctx.progress(stepProgress(restoreStepTitles, name));
      return guardRestoreStep(ctx, step, m, (signal) => work(ctx, m, signal));
    },
  };
}

const elapsed = (started: number) => Math.round(performance.now() - started);

/** The guides' restore procedure: scale down, pre-restore backup, restore, verify, scale up. */
export const restoreSteps: RunbookStep<RestoreParams>[] = [
  // Without a configured deployment (the zero-setup playground, a database without Kubernetes) both scale steps
  // are explicit no-ops: the plan said so and warned that writers must be stopped by other means.
  restoreStep('scale-down', 10 * 60_000, { idempotent: true }, (ctx, m, signal) => scaleDown(ctx, m, signal)),

  restoreStep('pre-restore-backup', 60 * 60_000, { idempotent: true }, async (ctx, m, signal) => {
    const url = approvedDatabaseUrl(ctx, m);
    const key = preRestoreKey(m.backup.prefix, ctx.runId);
    ctx.progress(stepProgress(restoreStepTitles, 'pre-restore-backup', `pg_dump → ${key}`));
    const copy = await dumpToS3(requireBackups(ctx), { databaseUrl: url, key, format: 'plain', signal });
    return { key: copy.key, size: copy.size, etag: copy.etag, durationMs: copy.durationMs };
  }),

  restoreStep('restore', 120 * 60_000, { destructive: true, idempotent: false }, async (ctx, m, signal) => {
    const url = approvedDatabaseUrl(ctx, m);
    const started = performance.now();
    const source = await requireBackups(ctx).openRead(m.backup.key, { signal, ifMatch: m.backup.etag });
    let detected: Awaited<ReturnType<typeof detectBackupFormat>>;
    try {
      detected = await detectBackupFormat(source);
    } catch (err) {
      source.destroy();
      throw new Error(`${m.backup.key} is not a readable backup (${messageOf(err)})`);
    }
    const kind = `${detected.format === 'plain' ? 'plain SQL via psql' : 'custom format via pg_restore'}${detected.gzipped ? ', gzipped' : ''}`;
    ctx.progress(stepProgress(restoreStepTitles, 'restore', kind));
    if (detected.format === 'plain') await restorePlain(url, detected.stream, signal);
    else await restoreCustom(url, detected.stream, signal);
    return {
      key: m.backup.key,
      size: m.backup.size,
      format: detected.format,
      gzipped: detected.gzipped,
      durationMs: elapsed(started),
    };
  }),

  restoreStep('verify', 5 * 60_000, { idempotent: true }, async (ctx, m, signal) => {
    const url = approvedDatabaseUrl(ctx, m);
    const results: { name: string; query: string; min: number; value?: number; error?: string; ok: boolean }[] = [];
    for (const q of m.verify) {
      try {
        const value = await queryNumber(url, q.query, signal);
        results.push({ ...q, value, ok: value >= q.min });
      } catch (err) {
        if (signal.aborted) throw err;
        results.push({ ...q, error: messageOf(err), ok: false });
      }
    }
    const failed = results.filter((r) => !r.ok);
    if (failed.length > 0) {
      const lines = failed.map((r) =>
        r.error === undefined ? `${r.name} = ${r.value} (expected ≥ ${r.min})` : `${r.name}: ${r.error}`,
      );
      throw new UserError('unavailable', `verification failed: ${lines.join('; ')}`);
    }
    return { results };
  }),

  restoreStep('scale-up', 10 * 60_000, { idempotent: true }, (ctx, m, signal) => scaleUp(ctx, m, signal)),
];
