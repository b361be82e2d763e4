import { z } from 'zod';
import type { Runbook, StepContext } from '../../runbook.js';
import { stepProgress } from '../../step-progress.js';
import { stepSkipped } from '../../step-skipped.js';
import { argsAsParams, targetFailure } from '../db/db-context.js';
import { requireBackups, requireDatabaseUrl } from './backup-context.js';
import { checkIntegrity } from './backup-verify-integrity.js';
import { backupVerifyReport, newestOutput } from './backup-verify-report.js';
import { restoreTest } from './backup-verify-restore-test.js';

const params = z
  .object({
    /** The monthly recovery test: restore the newest backup into a scratch database and verify it there. */
    'restore-test': z.boolean().default(false),
  })
  .strict();
type BackupVerifyParams = z.infer<typeof params>;

const allSteps = [
  { name: 'newest', title: 'Newest backup' },
  { name: 'integrity', title: 'Integrity' },
  { name: 'restore-test', title: 'Restore test' },
] as const;

/** The steps a run shows: the restore test only when asked for. */
function stepsFor(p: BackupVerifyParams) {
  return p['restore-test'] ? allSteps : allSteps.slice(0, 2);
}

const restoreTestTimeoutMs = 2 * 60 * 60_000;

/** The newest backup found by the first step, or undefined when there is none. */
function newestOf(ctx: StepContext<BackupVerifyParams>) {
  const n = newestOutput.parse(ctx.outputs.newest);
  return n.found ? n : undefined;
}

/**
 * The guides' backup verification (THERMALIQ "Daily Backup Verification", VCCI `verify-backup.sh`): the newest
 * backup is fresh, decompresses, and lists or ends as a dump should. With --restore-test, the monthly recovery test.
 */
export const backupVerifyRunbook: Runbook<BackupVerifyParams> = {
  name: 'backup verify',
  summary:
    'Check the newest backup: age, gzip integrity, pg_restore --list; --restore-test restores it into a scratch database on the same server (needs room for a copy)',
  usage: 'backup verify [--restore-test] [--env NAME]',
  examples: ['backup verify', 'backup verify --restore-test --env staging'],
  risk: 'read',
  minRole: 'viewer',
  params,
  parseArgs: (args, flags) => argsAsParams(args, flags),
  riskFor: (_target, p) => (p['restore-test'] ? 'change' : 'read'),
  initialProgress: (_target, p) => stepProgress(stepsFor(p)),
  async validate(ctx, p) {
    requireBackups(ctx);
    if (p['restore-test']) requireDatabaseUrl(ctx.target);
  },
  steps: [
    {
      ...allSteps[0],
      timeoutMs: 60_000,
      idempotent: true,
      async run(ctx) {
        ctx.progress(stepProgress(stepsFor(ctx.params), 'newest'));
        const backups = requireBackups(ctx);
        const newest = await backups.newestBackup({ signal: ctx.signal }).catch((err: unknown) => {
          throw targetFailure(err, ctx.signal);
        });
        return newest
          ? { found: true, ...newest }
          : { found: false, where: `s3://${backups.bucket}/${backups.prefix}` };
      },
    },
    {
      ...allSteps[1],
      timeoutMs: 60 * 60_000,
      idempotent: true,
      async run(ctx) {
        const newest = newestOf(ctx);
        if (!newest) return stepSkipped('there is no backup to check');
        ctx.progress(stepProgress(stepsFor(ctx.params), 'integrity', `streaming ${newest.key}`));
        const source = await requireBackups(ctx)
          .openRead(newest.key, { signal: ctx.signal })
          .catch((err: unknown) => {
            throw targetFailure(err, ctx.signal);
          });
        return checkIntegrity(source, { key: newest.key, signal: ctx.signal });
      },
    },
    {
      ...allSteps[2],
      timeoutMs: restoreTestTimeoutMs,
      // The scratch database is named after the run and dropped first, so a repeat starts clean.
      idempotent: true,
      async run(ctx) {
        if (!ctx.params['restore-test']) return stepSkipped('not requested');
        const newest = newestOf(ctx);
        if (!newest) return stepSkipped('there is no backup to restore');
        const integrity = z.object({ ok: z.boolean() }).safeParse(ctx.outputs.integrity);
        if (integrity.success && !integrity.data.ok) return stepSkipped('the backup failed its integrity check');
        const steps = stepsFor(ctx.params);
        return restoreTest(ctx, newest.key, {
          timeoutMs: restoreTestTimeoutMs,
          onPhase: (phase) => ctx.progress(stepProgress(steps, 'restore-test', phase)),
        });
      },
    },
  ],
  report: (target, p, outputs) => backupVerifyReport(target, p['restore-test'], outputs),
};
