import { z } from 'zod';
import { messageOf, UserError } from '../../../errors.js';
import { countOf } from '../../../format/words.js';
import { scrubSecrets } from '../../../log.js';
import { formatBytes } from '../../health/checks/format.js';
import type { Plan } from '../../plan.js';
import { applyRetention, type RetentionDecision } from '../../retention.js';
import type { Runbook, RunbookContext } from '../../runbook.js';
import { stepProgress } from '../../step-progress.js';
import { requireBackups } from './backup-context.js';

const params = z.object({}).strict();
type PruneParams = z.infer<typeof params>;

const steps = [{ name: 'delete', title: 'Delete expired backups' }] as const;

/** What a prune approval is bound to: exactly the keys it deletes. */
const pruneMaterial = z.object({ bucket: z.string(), prefix: z.string(), delete: z.array(z.string()) });

const outputSchema = z.object({
  requested: z.number(),
  deleted: z.array(z.string()),
  errors: z.array(z.object({ key: z.string(), code: z.string(), message: z.string() })),
  bytesFreed: z.number(),
});

function line(d: RetentionDecision, now: Date): string {
  const days = Math.floor((now.getTime() - d.lastModified.getTime()) / 86_400_000);
  return `${d.key} · ${formatBytes(d.size)} · ${days} d · ${d.reason}`;
}

async function planPrune(ctx: RunbookContext): Promise<Plan> {
  const backups = requireBackups(ctx);
  const policy = ctx.target.env.backups?.retention ?? {
    dailyDays: 30,
    weeklyDays: 90,
    monthlyDays: 365,
    keepAtLeast: 3,
  };
  const now = new Date();
  const decisions = applyRetention(await backups.listAll({ signal: ctx.signal }), policy, backups.prefix, now);
  const doomed = decisions.filter((d) => d.action === 'delete');
  const kept = decisions.filter((d) => d.action === 'keep');
  const where = `s3://${backups.bucket}/${backups.prefix}`;
  const bytes = doomed.reduce((sum, d) => sum + d.size, 0);
  return {
    summary: `Delete ${doomed.length} of ${countOf(decisions.length, 'object')} under ${where}`,
    fields: [
      { label: 'Location', value: where },
      {
        label: 'Policy',
        value: `daily ${policy.dailyDays} d · weekly ${policy.weeklyDays} d · monthly ${policy.monthlyDays} d · never fewer than the ${policy.keepAtLeast} newest`,
      },
      { label: 'Delete', value: `${countOf(doomed.length, 'object')}, ${formatBytes(bytes)}` },
      { label: 'Keep', value: `${countOf(kept.length, 'object')}` },
    ],
    steps: [
      doomed.length > 0
        ? `DeleteObjects in batches of up to 1000: ${countOf(doomed.length, 'object')}`
        : 'Nothing to delete',
    ],
    material: { bucket: backups.bucket, prefix: backups.prefix, delete: doomed.map((d) => d.key).sort() },
    details: [
      { title: `Delete (${doomed.length})`, lines: doomed.map((d) => line(d, now)) },
      { title: `Keep (${kept.length})`, lines: kept.map((d) => line(d, now)) },
    ],
  };
}

/** The THERMALIQ guide's retention cleanup: deletes the backups the configured policy no longer keeps. */
export const backupPruneRunbook: Runbook<PruneParams> = {
  name: 'backup prune',
  summary: 'Delete backups outside the retention policy (daily 30 d, weekly 90 d, monthly 1 y by default)',
  usage: 'backup prune [--env NAME] [--dry-run]',
  examples: ['backup prune', 'backup prune --env staging --dry-run'],
  risk: 'destructive',
  minRole: 'operator',
  params,
  parseArgs(args, flags) {
    return { ...(args.length > 0 ? { unexpected: args.join(' ') } : {}), ...flags };
  },
  initialProgress() {
    return stepProgress(steps);
  },
  async validate(ctx) {
    requireBackups(ctx);
  },
  plan: (ctx) => planPrune(ctx),
  steps: [
    {
      ...steps[0],
      timeoutMs: 10 * 60_000,
      destructive: true,
      // Deleting a key that is already gone succeeds, so a repeat does no harm.
      idempotent: true,
      async run(ctx) {
        if (!ctx.plan) throw new Error('backup prune ran without its approved plan');
        const m = pruneMaterial.parse(ctx.plan.material);
        const backups = requireBackups(ctx);
        if (m.bucket !== backups.bucket || m.prefix !== backups.prefix) {
          throw new Error(`the approved plan is for s3://${m.bucket}/${m.prefix}, not this environment's backups`);
        }
        ctx.progress(stepProgress(steps, 'delete', `${countOf(m.delete.length, 'object')}`));
        let sizes: Map<string, number>;
        let outcome: Awaited<ReturnType<typeof backups.deleteKeys>>;
        try {
          sizes = new Map((await backups.listAll({ signal: ctx.signal })).map((o) => [o.key, o.size]));
          outcome = await backups.deleteKeys(m.delete, { signal: ctx.signal });
        } catch (err) {
          throw new UserError('unavailable', `Prune failed before it could delete: ${scrubSecrets(messageOf(err))}`);
        }
        const bytesFreed = outcome.deleted.reduce((sum, key) => sum + (sizes.get(key) ?? 0), 0);
        return { requested: m.delete.length, deleted: outcome.deleted, errors: outcome.errors, bytesFreed };
      },
    },
  ],
  report(target, _params, outputs) {
    const o = outputSchema.parse(outputs.delete);
    const where = `s3://${target.env.backups?.bucket ?? '?'}/${target.env.backups?.prefix ?? ''}`;
    const failed = o.errors.length;
    const value = `${o.deleted.length} deleted, ${formatBytes(o.bytesFreed)}${failed > 0 ? `, ${failed} failed` : ''}`;
    return {
      status: failed === 0 ? 'ok' : o.deleted.length > 0 ? 'warn' : 'fail',
      headline:
        o.requested === 0
          ? `Nothing to prune under ${where}`
          : `Pruned ${o.deleted.length} of ${countOf(o.requested, 'backup')} under ${where} (${formatBytes(o.bytesFreed)})${failed > 0 ? `; ${failed} failed` : ''}`,
      items: [{ id: 'delete', title: steps[0].title, status: failed === 0 ? 'succeeded' : 'failed', value }],
      details: [
        ...(o.deleted.length > 0 ? [{ title: `Deleted (${o.deleted.length})`, lines: o.deleted }] : []),
        ...(failed > 0
          ? [{ title: `Not deleted (${failed})`, lines: o.errors.map((e) => `${e.key}: ${e.code} ${e.message}`) }]
          : []),
      ],
    };
  },
};
