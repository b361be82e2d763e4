import type { Redis } from 'ioredis';
import { z } from 'zod';
import { UserError } from '../../../errors.js';
import { configGet, configRewrite, configSet } from '../../../infra/redis-config.js';
import { redisLabel } from '../../../infra/redis-session.js';
import type { Plan } from '../../plan.js';
import type { ProgressItem } from '../../report.js';
import type { Runbook, RunbookContext } from '../../runbook.js';
import { stepProgress } from '../../step-progress.js';
import { argsAsParams } from '../db/db-context.js';
import { isProduction } from '../k8s/k8s-context.js';
import { requireCache, withTargetCache } from './cache-context.js';

const params = z.object({ apply: z.boolean({ message: '--apply takes no value' }).default(false) }).strict();
type TuneCacheParams = z.infer<typeof params>;

/** The VCCI guide's "Optimize Cache Configuration", setting by setting, in its order. */
export const cacheRecommendations: readonly { name: string; value: string }[] = [
  { name: 'maxmemory-policy', value: 'allkeys-lru' },
  { name: 'maxmemory-samples', value: '10' },
  { name: 'lazyfree-lazy-eviction', value: 'yes' },
  { name: 'lazyfree-lazy-expire', value: 'yes' },
];

const steps = [{ name: 'tune', title: 'Compare CONFIG GET with the guide' }] as const;
const applySteps = [{ name: 'tune', title: 'CONFIG SET and CONFIG REWRITE' }] as const;

const row = z.object({ name: z.string(), now: z.string().nullable(), recommended: z.string() });
const changeSchema = z.object({ name: z.string(), from: z.string(), to: z.string() });
/** What an approval of `tune cache --apply` in production is bound to. */
const material = z.object({ cache: z.string(), changes: z.array(changeSchema) });

const outputSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('read'), cache: z.string(), rows: z.array(row) }),
  z.object({
    mode: z.literal('apply'),
    cache: z.string(),
    before: z.array(row),
    after: z.array(row),
    set: z.array(z.object({ name: z.string(), error: z.string().optional() })),
    rewrite: z.union([
      z.object({ rewritten: z.literal(true) }),
      z.object({ rewritten: z.literal(false), reason: z.string() }),
    ]),
  }),
]);
type Row = z.infer<typeof row>;

async function readRows(redis: Redis): Promise<Row[]> {
  const got = await configGet(
    redis,
    cacheRecommendations.map((r) => r.name),
  );
  return cacheRecommendations.map((r) => ({ name: r.name, now: got[r.name] ?? null, recommended: r.value }));
}

const differs = (r: Row) => r.now !== null && r.now !== r.recommended;

async function planTuneCache(ctx: RunbookContext): Promise<Plan> {
  const label = redisLabel(requireCache(ctx.target).url);
  const rows = await withTargetCache(ctx, readRows);
  const changes = rows.filter(differs).map((r) => ({ name: r.name, from: r.now ?? '', to: r.recommended }));
  if (changes.length === 0) {
    throw new UserError('conflict', `The cache at ${label} already has the guide's settings; nothing to change.`);
  }
  return {
    summary: `CONFIG SET ${changes.length} settings on the cache at ${label}, then CONFIG REWRITE`,
    fields: [
      { label: 'Cache', value: label },
      { label: 'Changes', value: changes.map((c) => `${c.name}: ${c.from} → ${c.to}`).join('\n') },
      {
        label: 'Persisted',
        value: 'CONFIG REWRITE writes them to the config file; a Redis without one keeps them until it restarts',
      },
    ],
    steps: [...changes.map((c) => `CONFIG SET ${c.name} ${c.to}`), 'CONFIG REWRITE'],
    material: { cache: label, changes },
  };
}

/** VCCI "Optimize Cache Configuration": CONFIG GET against the guide; `--apply` sets and persists the guide's values. */
export const tuneCacheRunbook: Runbook<TuneCacheParams> = {
  name: 'tune cache',
  summary:
    "Redis CONFIG GET against the VCCI guide's cache settings (allkeys-lru, maxmemory-samples 10, lazy freeing); --apply does CONFIG SET and CONFIG REWRITE and reports before and after",
  usage: 'tune cache [--apply] [--env NAME] [--dry-run]',
  examples: ['tune cache', 'tune cache --apply --env staging', 'tune cache --apply'],
  risk: 'read',
  minRole: 'viewer',
  params,
  parseArgs: (args, flags) => argsAsParams(args, flags),
  // Every client of the cache sees a new eviction policy at once: in production a second person approves it.
  riskFor: (target, p) => (!p.apply ? 'read' : isProduction(target) ? 'destructive' : 'change'),
  initialProgress: (_t, p) => stepProgress(p.apply ? applySteps : steps),
  async validate(ctx) {
    requireCache(ctx.target);
  },
  plan: (ctx) => planTuneCache(ctx),
  steps: [
    {
      ...steps[0],
      timeoutMs: 60_000,
      destructive: true,
      // Setting the same values again changes nothing.
      idempotent: true,
      async run(ctx) {
        const label = redisLabel(requireCache(ctx.target).url);
        return withTargetCache(ctx, async (redis) => {
          const before = await readRows(redis);
          if (!ctx.params.apply) return { mode: 'read', cache: label, rows: before };
          const approved = ctx.plan ? material.parse(ctx.plan.material) : undefined;
          if (approved && approved.cache !== label) {
            throw new Error(`the configured cache is no longer ${approved.cache}, as approved`);
          }
          const changes =
            approved?.changes ??
            before.filter(differs).map((r) => ({ name: r.name, from: r.now ?? '', to: r.recommended }));
          // Already as the guide says: nothing to set, and nothing to rewrite.
          if (changes.length === 0) return { mode: 'read', cache: label, rows: before };
          const set: { name: string; error?: string }[] = [];
          for (const c of changes) {
            ctx.progress(stepProgress(applySteps, 'tune', `CONFIG SET ${c.name} ${c.to}`));
            try {
              await configSet(redis, c.name, c.to);
              set.push({ name: c.name });
            } catch (err) {
              set.push({ name: c.name, error: err instanceof Error ? err.message : String(err) });
            }
          }
          const rewrite = set.some((s) => s.error === undefined)
            ? await configRewrite(redis)
            : { rewritten: false as const, reason: 'nothing was set' };
          return { mode: 'apply', cache: label, before, after: await readRows(redis), set, rewrite };
        });
      },
    },
  ],
  report(target, _p, outputs) {
    const o = outputSchema.parse(outputs.tune);
    const where = `the cache of ${target.service.displayName} (${target.environment}) at ${o.cache}`;
    if (o.mode === 'read') {
      const off = o.rows.filter(differs);
      return {
        status: off.length > 0 ? 'warn' : 'ok',
        headline: `Cache tuning of ${where}: ${off.length === 0 ? "every setting as the guide's" : `${off.length} of ${o.rows.length} settings differ from the guide`}`,
        items: o.rows.map(
          (r): ProgressItem => ({
            id: r.name,
            title: r.name,
            status: r.now === null ? 'skipped' : differs(r) ? 'warn' : 'ok',
            value: r.now ?? 'unknown to this Redis',
            threshold: `recommended ${r.recommended}`,
          }),
        ),
        details: [],
      };
    }
    const failed = o.set.filter((s) => s.error !== undefined);
    const items: ProgressItem[] = o.after.map((a) => {
      const b = o.before.find((x) => x.name === a.name);
      const error = o.set.find((s) => s.name === a.name)?.error;
      return {
        id: a.name,
        title: a.name,
        status: error ? 'fail' : a.now === a.recommended ? 'ok' : 'warn',
        value: `${b?.now ?? '?'} → ${a.now ?? '?'}`,
        ...(error ? { summary: `CONFIG SET refused: ${error}` } : {}),
      };
    });
    items.push({
      id: 'rewrite',
      title: 'CONFIG REWRITE',
      status: o.rewrite.rewritten ? 'ok' : 'warn',
      value: o.rewrite.rewritten ? 'written to the config file' : 'not written',
      ...(o.rewrite.rewritten
        ? {}
        : { summary: `${o.rewrite.reason}: the new values hold until Redis restarts; put them in its config too` }),
    });
    return {
      status: failed.length > 0 ? 'fail' : o.rewrite.rewritten ? 'ok' : 'warn',
      headline:
        `Set ${o.set.length - failed.length} of ${o.set.length} cache settings on ${where}` +
        (failed.length > 0 ? `; ${failed.length} refused` : '') +
        (o.rewrite.rewritten ? '; persisted with CONFIG REWRITE' : '; CONFIG REWRITE refused, not persisted'),
      items,
      details: [
        {
          title: 'setting · before · after · guide',
          lines: o.after.map(
            (a) =>
              `${a.name} · ${o.before.find((b) => b.name === a.name)?.now ?? '?'} · ${a.now ?? '?'} · ${a.recommended}`,
          ),
        },
      ],
    };
  },
};
