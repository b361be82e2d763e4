import { z } from 'zod';
import { backupKeyParam } from '../backup-key.js';
import type { Runbook } from '../runbook.js';
import { stepProgress } from '../step-progress.js';
import { requireDatabaseUrl } from './backup-context.js';
import { findBackup, planRestore } from './restore-plan.js';
import { restoreReport } from './restore-report.js';
import { type RestoreParams, restoreSteps } from './restore-steps.js';
import { restoreStepTitles } from './restore-titles.js';

const params: z.ZodType<RestoreParams> = z.object({ key: backupKeyParam }).strict();

/**
 * The guides' full database restore (VCCI `restore-database.sh`): scale down, pre-restore backup, restore, verify,
 * scale up. Destructive: it runs only with a second person's approval of its exact plan.
 */
export const restoreRunbook: Runbook<RestoreParams> = {
  name: 'restore',
  summary: 'Restore the database from a backup: scale down, pre-restore backup, restore, verify, scale up',
  usage: 'restore <backup-key> [--env NAME]',
  examples: ['restore thermaliq-20260101-020000.sql.gz', 'restore thermaliq/staging/db.dump --env staging'],
  risk: 'destructive',
  minRole: 'operator',
  params,
  parseArgs(args, flags) {
    const [key, ...rest] = args;
    // Extra words and unknown flags become keys the strict schema refuses by name.
    return { key: key ?? '', ...(rest.length > 0 ? { unexpected: rest.join(' ') } : {}), ...flags };
  },
  initialProgress() {
    return stepProgress(restoreStepTitles);
  },
  async validate(ctx, p) {
    requireDatabaseUrl(ctx.target);
    await findBackup(ctx, p.key);
  },
  plan(ctx, p) {
    return planRestore(ctx, p.key);
  },
  steps: restoreSteps,
  report(target, _params, outputs) {
    return restoreReport(target, outputs);
  },
};
