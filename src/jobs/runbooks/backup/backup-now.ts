import { z } from 'zod';
import { messageOf, UserError } from '../../../errors.js';
import { parsePgUrl } from '../../../infra/pg-connection.js';
import { databaseFacts } from '../../../infra/pg-query.js';
import { scrubSecrets } from '../../../log.js';
import { formatBytes, formatSeconds } from '../../health/checks/format.js';
import type { Runbook } from '../../runbook.js';
import { stepProgress } from '../../step-progress.js';
import { requireBackups, requireDatabaseUrl } from './backup-context.js';
import { scheduledBackupKey } from './backup-names.js';
import { dumpToS3 } from './dump-to-s3.js';

const params = z
  .object({
    /** plain: gzipped SQL (`.sql.gz`, restored with psql); custom: pg_dump's archive (`.dump`, pg_restore). */
    format: z.enum(['plain', 'custom'], { message: 'expected --format plain or --format custom' }).default('plain'),
  })
  .strict();
type BackupNowParams = z.infer<typeof params>;

const steps = [{ name: 'dump', title: 'Dump the database to S3' }] as const;

const outputSchema = z.object({
  key: z.string(),
  size: z.number(),
  format: z.enum(['plain', 'custom']),
  database: z.string(),
  durationMs: z.number(),
});

/** The guides' database backup CronJob, on demand: pg_dump → gzip → S3 under the environment's prefix. */
export const backupNowRunbook: Runbook<BackupNowParams> = {
  name: 'backup now',
  summary: 'Back up the database now: pg_dump, gzipped, streamed to S3 under the backup prefix',
  usage: 'backup now [--format plain|custom] [--env NAME]',
  examples: ['backup now', 'backup now --env staging', 'backup now --format custom'],
  risk: 'change',
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
    requireDatabaseUrl(ctx.target);
  },
  async plan(ctx, p) {
    const backups = requireBackups(ctx);
    const db = await databaseFacts(requireDatabaseUrl(ctx.target), ctx.signal);
    const example = scheduledBackupKey(backups.prefix, db.name, p.format, new Date());
    return {
      summary: `Back up ${db.name} on ${db.host} to s3://${backups.bucket}/${backups.prefix}`,
      fields: [
        { label: 'Database', value: `${db.name} on ${db.host}:${db.port} · ${formatBytes(db.sizeBytes)}` },
        { label: 'Destination', value: `s3://${backups.bucket}/${example} (timestamped when it runs)` },
        { label: 'Format', value: p.format === 'plain' ? 'plain SQL, gzipped' : 'pg_dump custom archive' },
      ],
      steps: [`pg_dump ${db.name} → ${p.format === 'plain' ? 'gzip → ' : ''}S3 multipart upload`],
      material: {
        database: { host: db.host, port: db.port, name: db.name },
        destination: { bucket: backups.bucket, prefix: backups.prefix },
        format: p.format,
      },
    };
  },
  steps: [
    {
      ...steps[0],
      timeoutMs: 60 * 60_000,
      // A repeat only makes one more timestamped backup.
      idempotent: true,
      async run(ctx) {
        const backups = requireBackups(ctx);
        const url = requireDatabaseUrl(ctx.target);
        const database = parsePgUrl(url).database;
        const key = scheduledBackupKey(backups.prefix, database, ctx.params.format, new Date());
        ctx.progress(stepProgress(steps, 'dump', `pg_dump → s3://${backups.bucket}/${key}`));
        let done: Awaited<ReturnType<typeof dumpToS3>>;
        try {
          done = await dumpToS3(backups, { databaseUrl: url, key, format: ctx.params.format, signal: ctx.signal });
        } catch (err) {
          // A failed upload leaves no object (lib-storage aborts it), so the message can say so.
          const reason = scrubSecrets(messageOf(err));
          throw new UserError('unavailable', `Backup of ${database} failed; nothing was stored. ${reason}`, {
            cause: err,
          });
        }
        return { key: done.key, size: done.size, format: done.format, database, durationMs: done.durationMs };
      },
    },
  ],
  report(target, _params, outputs) {
    const o = outputSchema.parse(outputs.dump);
    const bucket = target.env.backups?.bucket ?? '?';
    const took = formatSeconds(o.durationMs / 1000);
    return {
      status: 'ok',
      headline: `Backed up ${o.database} (${target.environment}) to s3://${bucket}/${o.key}: ${formatBytes(o.size)} in ${took}`,
      items: [{ id: 'dump', title: steps[0].title, status: 'succeeded', value: `${formatBytes(o.size)} in ${took}` }],
      details: [
        {
          title: 'Backup',
          lines: [
            `Key: ${o.key}`,
            `Size: ${formatBytes(o.size)} (${o.size} bytes)`,
            `Format: ${o.format === 'plain' ? 'plain SQL, gzipped' : 'pg_dump custom archive'}`,
            `Duration: ${took}`,
            `Restore with: ${target.service.command} restore ${o.key} --env ${target.environment}`,
          ],
        },
      ],
    };
  },
};
