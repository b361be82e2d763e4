import { z } from 'zod';
import { backupKeyParam } from '../../backup-key.js';
import type { Runbook } from '../../runbook.js';
import { stepProgress } from '../../step-progress.js';
import { requireDatabaseUrl } from '../backup/backup-context.js';
import { describeRestoreState } from './restore-failure.js';
import { findBackup, planRestore } from './restore-plan.js';
import { restoreReport } from './restore-report.js';
import { approvedMaterial, restoreSteps } from './restore-steps.js';
import { restoreStepTitles } from './restore-titles.js';

/** The restore's params. */
export interface RestoreParams {
  key: string;
}

const params: z.ZodType<RestoreParams> = z.object({ key: backupKeyParam }).strict();

/** What the restore and its rollback share: the steps, the interrupted-step description, the report, the buttons. */
export const restoreExecution = {
  risk: 'destructive' as const,
  minRole: 'operator' as const,
  initialProgress: () => stepProgress(restoreStepTitles),
  steps: restoreSteps,
  recovery: ['rollback', 'scale-up'] as const,
  interrupted: (ctx: Parameters<typeof describeRestoreState>[0]) => describeRestoreState(ctx, approvedMaterial(ctx)),
  report: (target: Parameters<typeof restoreReport>[0], _params: unknown, outputs: Readonly<Record<string, unknown>>) =>
    restoreReport(target, outputs),
};

/**
 * The guides' full database restore (VCCI `restore-database.sh`), made safe: the backup is read before approval,
 * restored beside production and verified there, then swapped in with seconds of downtime (or, where the server
 * does not allow that, restored in place in one transaction). Destructive: a second person approves its exact plan.
 */
export const restoreRunbook: Runbook<RestoreParams> = {
  name: 'restore',
  summary:
    'Restore the database from a backup: side by side with a short cutover (or in place), verified, with rollback',
  usage: 'restore <backup-key> [--env NAME] [--dry-run]',
  examples: ['restore thermaliq-20260101-020000.sql.gz', 'restore thermaliq/staging/db.dump --env staging'],
  ...restoreExecution,
  params,
  parseArgs(args, flags) {
    const [key, ...rest] = args;
    // Extra words and unknown flags become keys the strict schema refuses by name.
    return { key: key ?? '', ...(rest.length > 0 ? { unexpected: rest.join(' ') } : {}), ...flags };
  },
  async validate(ctx, p) {
    requireDatabaseUrl(ctx.target);
    await findBackup(ctx, p.key);
  },
  plan(ctx, p) {
    return planRestore(ctx, p.key);
  },
};
