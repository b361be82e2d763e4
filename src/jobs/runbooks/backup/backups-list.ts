import { z } from 'zod';
import { ageOld, countOf } from '../../../format/words.js';
import { formatBytes, formatHours } from '../../health/checks/format.js';
import type { ProgressItem } from '../../report.js';
import type { Runbook } from '../../runbook.js';
import { stepProgress } from '../../step-progress.js';
import { argsAsParams, countParam, targetFailure } from '../db/db-context.js';
import { requireBackups } from './backup-context.js';
import { preRestoreFolder } from './backup-names.js';

const params = z.object({ limit: countParam(50, 10) }).strict();
type BackupsParams = z.infer<typeof params>;

const steps = [{ name: 'list', title: 'List backups' }] as const;

const outputSchema = z.object({
  bucket: z.string(),
  prefix: z.string(),
  total: z.number(),
  backups: z.array(z.object({ key: z.string(), size: z.number(), lastModified: z.coerce.date() })),
});

/** The guide's `aws s3 ls s3://…/thermaliq/ --recursive | sort | tail`: the newest backups with age and size. */
export const backupsListRunbook: Runbook<BackupsParams> = {
  name: 'backups',
  summary: 'The newest backups under the backup prefix, with their age and size',
  usage: 'backups [--limit N] [--env NAME]',
  examples: ['backups', 'backups --limit 30 --env staging'],
  risk: 'read',
  minRole: 'viewer',
  params,
  parseArgs: (args, flags) => argsAsParams(args, flags),
  initialProgress: () => stepProgress(steps),
  async validate(ctx) {
    requireBackups(ctx);
  },
  steps: [
    {
      ...steps[0],
      timeoutMs: 60_000,
      idempotent: true,
      async run(ctx) {
        const backups = requireBackups(ctx);
        ctx.progress(stepProgress(steps, 'list', `s3://${backups.bucket}/${backups.prefix}`));
        const all = await backups.listBackups({ signal: ctx.signal }).catch((err: unknown) => {
          throw targetFailure(err, ctx.signal);
        });
        return {
          bucket: backups.bucket,
          prefix: backups.prefix,
          total: all.length,
          backups: all.slice(0, ctx.params.limit),
        };
      },
    },
  ],
  report(target, p, outputs) {
    const o = outputSchema.parse(outputs.list);
    const now = Date.now();
    const where = `s3://${o.bucket}/${o.prefix}`;
    const maxHours = target.thresholds.backupMaxAgeHours;
    const safety = `${o.prefix}${preRestoreFolder}`;
    const ageOf = (d: Date) => (now - d.getTime()) / 3_600_000;
    const newest = o.backups.find((b) => !b.key.startsWith(safety));
    const newestAge = newest ? ageOf(newest.lastModified) : undefined;
    const items: ProgressItem[] = o.backups.map((b) => {
      const age = ageOf(b.lastModified);
      const isSafety = b.key.startsWith(safety);
      const isNewest = b === newest;
      const status = b.size === 0 ? 'warn' : isNewest && age > maxHours ? 'fail' : 'ok';
      return {
        id: b.key,
        title: b.key.startsWith(o.prefix) ? b.key.slice(o.prefix.length) : b.key,
        status,
        value: `${ageOld(age * 3_600_000)} · ${formatBytes(b.size)}`,
        ...(isNewest ? { threshold: `> ${formatHours(maxHours)} fails` } : {}),
        ...(isSafety ? { summary: 'pre-restore safety copy' } : b.size === 0 ? { summary: 'empty' } : {}),
      };
    });
    const stale = newestAge === undefined || newestAge > maxHours;
    return {
      status: stale ? 'fail' : items.some((i) => i.status === 'warn') ? 'warn' : 'ok',
      headline:
        o.total === 0
          ? `No backups under ${where}`
          : `${countOf(o.total, 'backup')} under ${where}; newest ${newestAge === undefined ? 'scheduled backup: none' : ageOld(newestAge * 3_600_000)}` +
            `${stale ? ` (older than ${formatHours(maxHours)})` : ''}; showing the newest ${o.backups.length}`,
      items,
      details: [
        {
          title: `Newest ${Math.min(p.limit, o.total)} of ${o.total}`,
          lines:
            o.backups.length > 0
              ? o.backups.map((b) => `${b.key} · ${b.size} bytes · ${b.lastModified.toISOString()}`)
              : ['None.'],
        },
      ],
    };
  },
};
