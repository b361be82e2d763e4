import { z } from 'zod';
import type { LogsConfig } from '../../../config/logs-config.js';
import { UserError } from '../../../errors.js';
import { type BackupObject, createBackupStore } from '../../../infra/backups.js';
import { deleteIndices, type EsIndex, listIndices } from '../../../infra/elasticsearch-indices.js';
import { formatBytes } from '../../health/checks/format.js';
import type { Plan } from '../../plan.js';
import type { ProgressItem } from '../../report.js';
import type { Runbook, RunbookContext, RunTarget } from '../../runbook.js';
import { stepProgress } from '../../step-progress.js';
import { stepSkipped } from '../../step-skipped.js';
import { targetFailure } from '../db/db-context.js';
import { environmentPath, leftovers } from '../k8s/k8s-context.js';

const params = z.object({}).strict();
type LogsPruneParams = z.infer<typeof params>;

const steps = [
  { name: 's3', title: 'Delete S3 log objects' },
  { name: 'elasticsearch', title: 'Delete Elasticsearch indices' },
] as const;

/** What an approval is bound to: the cutoff day and exactly these objects and indices. */
const material = z.object({
  retentionDays: z.number(),
  cutoff: z.string(),
  s3: z.object({ bucket: z.string(), prefix: z.string(), delete: z.array(z.string()) }).nullable(),
  elasticsearch: z.object({ url: z.string(), indexPrefix: z.string(), delete: z.array(z.string()) }).nullable(),
});
type Material = z.infer<typeof material>;

const s3Output = z.object({
  deleted: z.array(z.string()),
  errors: z.array(z.object({ key: z.string(), code: z.string(), message: z.string() })),
});
const esOutput = z.object({
  deleted: z.array(z.string()),
  batches: z.number(),
  errors: z.array(z.object({ index: z.string(), message: z.string() })),
});

function requireLogs(target: RunTarget): LogsConfig {
  const logs = target.env.logs;
  if (!logs || (!logs.s3?.bucket && !logs.elasticsearch?.url)) {
    throw new UserError(
      'unavailable',
      `No log archive is configured for ${target.environment}: set ${environmentPath(target)}.logs.s3 (bucket, prefix) or .logs.elasticsearch (url, indexPrefix).`,
    );
  }
  return logs;
}

function logStore(target: RunTarget, s3: { bucket: string; prefix: string }) {
  const b = target.env.backups;
  // The archive shares the backups' S3 endpoint, region and credentials.
  return createBackupStore({
    bucket: s3.bucket,
    prefix: s3.prefix,
    endpoint: b?.endpoint,
    region: b?.region ?? 'us-east-1',
    forcePathStyle: b?.forcePathStyle ?? false,
    accessKeyId: b?.accessKeyId,
    secretAccessKey: b?.secretAccessKey,
  });
}

/** The first UTC day kept: today (UTC) minus the retention. Anything dated before it is deleted. */
export function cutoffDay(now: Date, retentionDays: number): Date {
  const day = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return new Date(day - retentionDays * 86_400_000);
}

/** The day a daily index is for (`<prefix>YYYY.MM.DD`), or undefined when its name carries no valid date. */
export function indexDay(name: string, prefix: string): Date | undefined {
  const m = /^(\d{4})\.(\d{2})\.(\d{2})$/.exec(name.slice(prefix.length));
  if (!m) return undefined;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === `${m[1]}-${m[2]}-${m[3]}` ? d : undefined;
}

const day = (d: Date) => d.toISOString().slice(0, 10);
const objectLine = (o: BackupObject) => `${o.key} · ${day(o.lastModified)} · ${formatBytes(o.size)}`;
const indexLine = (i: EsIndex) => `${i.index}${i.sizeBytes === undefined ? '' : ` · ${formatBytes(i.sizeBytes)}`}`;

async function planLogsPrune(ctx: RunbookContext): Promise<Plan> {
  const logs = requireLogs(ctx.target);
  const cutoff = cutoffDay(new Date(), logs.retentionDays);
  const fields: Plan['fields'] = [
    { label: 'Retention', value: `${logs.retentionDays} days: everything dated before ${day(cutoff)} is deleted` },
  ];
  const details: NonNullable<Plan['details']> = [];
  const m: Material = { retentionDays: logs.retentionDays, cutoff: day(cutoff), s3: null, elasticsearch: null };
  const bucket = logs.s3?.bucket;
  if (logs.s3 && bucket) {
    const store = logStore(ctx.target, { bucket, prefix: logs.s3.prefix });
    try {
      const all = await store.listAll({ signal: ctx.signal }).catch((err: unknown) => {
        throw targetFailure(err, ctx.signal);
      });
      const old = all.filter((o) => o.lastModified < cutoff);
      const kept = all.filter((o) => o.lastModified >= cutoff);
      m.s3 = { bucket, prefix: logs.s3.prefix, delete: old.map((o) => o.key) };
      fields.push({
        label: `S3 s3://${bucket}/${logs.s3.prefix}`,
        value: `delete ${old.length} objects (${formatBytes(old.reduce((n, o) => n + o.size, 0))}), keep ${kept.length}`,
      });
      details.push({ title: `S3: deleted (${old.length})`, lines: old.map(objectLine) });
      details.push({ title: `S3: kept (${kept.length})`, lines: kept.map(objectLine) });
    } finally {
      await store.close();
    }
  }
  const es = logs.elasticsearch;
  if (es?.url) {
    const indices = await listIndices(es.url, es.indexPrefix, ctx.signal).catch((err: unknown) => {
      throw targetFailure(err, ctx.signal);
    });
    const old = indices.filter((i) => {
      const d = indexDay(i.index, es.indexPrefix);
      return d !== undefined && d < cutoff;
    });
    const kept = indices.filter((i) => !old.includes(i));
    m.elasticsearch = { url: new URL(es.url).host, indexPrefix: es.indexPrefix, delete: old.map((i) => i.index) };
    fields.push({
      label: `Elasticsearch ${es.indexPrefix}*`,
      value: `delete ${old.length} indices (${formatBytes(old.reduce((n, i) => n + (i.sizeBytes ?? 0), 0))}), keep ${kept.length}`,
    });
    details.push({ title: `Elasticsearch: deleted (${old.length})`, lines: old.map(indexLine) });
    details.push({
      title: `Elasticsearch: kept (${kept.length})`,
      lines: kept.map((i) => `${indexLine(i)}${indexDay(i.index, es.indexPrefix) ? '' : ' · no date in its name'}`),
    });
  }
  const count = (m.s3?.delete.length ?? 0) + (m.elasticsearch?.delete.length ?? 0);
  if (count === 0) {
    throw new UserError(
      'conflict',
      `Nothing is older than ${logs.retentionDays} days (before ${day(cutoff)}); nothing to delete.`,
    );
  }
  return {
    summary: `Delete ${m.s3?.delete.length ?? 0} S3 log objects and ${m.elasticsearch?.delete.length ?? 0} Elasticsearch indices older than ${logs.retentionDays} days`,
    fields,
    steps: [
      ...(m.s3 ? [`DeleteObjects under s3://${m.s3.bucket}/${m.s3.prefix}, 1,000 keys per request`] : []),
      ...(m.elasticsearch ? [`DELETE the indices, 50 per request (ignore_unavailable)`] : []),
    ],
    material: m,
    details,
  };
}

/** VCCI "Log Rotation and Cleanup": S3 log objects and daily Elasticsearch indices past the retention. */
export const logsPruneRunbook: Runbook<LogsPruneParams> = {
  name: 'logs prune',
  summary:
    'Delete S3 log objects and daily Elasticsearch indices older than the retention (90 days by default), in batches',
  usage: 'logs prune [--env NAME] [--dry-run]',
  examples: ['logs prune', 'logs prune --dry-run'],
  risk: 'destructive',
  minRole: 'operator',
  params,
  parseArgs: leftovers,
  initialProgress: () => stepProgress(steps),
  async validate(ctx) {
    requireLogs(ctx.target);
  },
  plan: (ctx) => planLogsPrune(ctx),
  steps: [
    {
      ...steps[0],
      timeoutMs: 30 * 60_000,
      destructive: true,
      // Deleting a key that is already gone succeeds: a repeat is harmless.
      idempotent: true,
      async run(ctx) {
        const m = material.parse(ctx.plan?.material);
        if (!m.s3) return stepSkipped('no S3 log archive is configured', 'not configured');
        const store = logStore(ctx.target, m.s3);
        try {
          ctx.progress(stepProgress(steps, 's3', `${m.s3.delete.length} objects`));
          return await store.deleteKeys(m.s3.delete, { signal: ctx.signal });
        } finally {
          await store.close();
        }
      },
    },
    {
      ...steps[1],
      timeoutMs: 30 * 60_000,
      destructive: true,
      idempotent: true,
      async run(ctx) {
        const m = material.parse(ctx.plan?.material);
        const url = ctx.target.env.logs?.elasticsearch?.url;
        if (!m.elasticsearch || !url) return stepSkipped('no Elasticsearch is configured', 'not configured');
        if (new URL(url).host !== m.elasticsearch.url) {
          throw new Error(`the configured Elasticsearch is no longer ${m.elasticsearch.url}, as approved`);
        }
        ctx.progress(stepProgress(steps, 'elasticsearch', `${m.elasticsearch.delete.length} indices`));
        return deleteIndices(url, m.elasticsearch.indexPrefix, m.elasticsearch.delete, ctx.signal);
      },
    },
  ],
  report(target, _p, outputs) {
    const s3 = s3Output.safeParse(outputs.s3);
    const es = esOutput.safeParse(outputs.elasticsearch);
    const failed = (s3.success ? s3.data.errors.length : 0) + (es.success ? es.data.errors.length : 0);
    const items: ProgressItem[] = [
      {
        id: 's3',
        title: 'S3 log objects',
        status: !s3.success ? 'skipped' : s3.data.errors.length > 0 ? 'fail' : 'ok',
        value: s3.success ? `${s3.data.deleted.length} deleted` : 'not configured',
        ...(s3.success && s3.data.errors.length > 0 ? { summary: `${s3.data.errors.length} failed` } : {}),
      },
      {
        id: 'elasticsearch',
        title: 'Elasticsearch indices',
        status: !es.success ? 'skipped' : es.data.errors.length > 0 ? 'fail' : 'ok',
        value: es.success ? `${es.data.deleted.length} deleted in ${es.data.batches} requests` : 'not configured',
        ...(es.success && es.data.errors.length > 0 ? { summary: `${es.data.errors.length} failed` } : {}),
      },
    ];
    return {
      status: failed > 0 ? 'fail' : 'ok',
      headline: `Pruned logs of ${target.service.displayName} (${target.environment}): ${s3.success ? s3.data.deleted.length : 0} S3 objects and ${es.success ? es.data.deleted.length : 0} indices deleted${failed > 0 ? `; ${failed} failed` : ''}`,
      items,
      details: [
        ...(s3.success ? [{ title: 'S3: deleted', lines: s3.data.deleted }] : []),
        ...(s3.success && s3.data.errors.length > 0
          ? [{ title: 'S3: failed', lines: s3.data.errors.map((e) => `${e.key}: ${e.code} ${e.message}`) }]
          : []),
        ...(es.success ? [{ title: 'Elasticsearch: deleted', lines: es.data.deleted }] : []),
        ...(es.success && es.data.errors.length > 0
          ? [{ title: 'Elasticsearch: failed', lines: es.data.errors.map((e) => `${e.index}: ${e.message}`) }]
          : []),
      ],
    };
  },
};
