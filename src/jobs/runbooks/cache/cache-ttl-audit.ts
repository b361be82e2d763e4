import { z } from 'zod';
import { countOf } from '../../../format/words.js';
import { boundedScan, keysWithoutTtl, type ScanBounds } from '../../../infra/redis-scan.js';
import { formatCount, formatSeconds } from '../../health/checks/format.js';
import type { ProgressItem } from '../../report.js';
import type { Runbook } from '../../runbook.js';
import { stepProgress } from '../../step-progress.js';
import { argsAsParams, countParam } from '../db/db-context.js';
import { auditPatternParam, keyGroup, requireCache, scopedMatch, shownKey, withTargetCache } from './cache-context.js';

const params = z
  .object({
    pattern: auditPatternParam.default('*'),
    'max-keys': countParam(1_000_000, 50_000),
  })
  .strict();
type TtlAuditParams = z.infer<typeof params>;

const steps = [{ name: 'scan', title: 'SCAN for keys without a TTL' }] as const;

/** SCAN's COUNT hint, and the bounds besides --max-keys. */
export const auditScan: Omit<ScanBounds, 'maxKeys'> = { count: 500, maxIterations: 5_000, timeBudgetMs: 15_000 };
/** Samples kept per group, and groups kept in all (the rest are summed into one). */
const samplesPerGroup = 3;
const maxGroups = 200;

const outputSchema = z.object({
  match: z.string(),
  scanned: z.number(),
  iterations: z.number(),
  complete: z.boolean(),
  stoppedBy: z.enum(['keys', 'iterations', 'time']).optional(),
  durationMs: z.number(),
  withoutTtl: z.number(),
  groups: z.array(z.object({ group: z.string(), count: z.number(), samples: z.array(z.string()) })),
});

/** The THERMALIQ guide's "Key Expiration Audit", bounded: SCAN (never KEYS), TTL in pipelines, grouped by prefix. */
export const cacheTtlAuditRunbook: Runbook<TtlAuditParams> = {
  name: 'cache ttl-audit',
  summary: 'Count keys without a TTL (bounded SCAN), grouped by prefix, with samples',
  usage: 'cache ttl-audit [pattern] [--max-keys N] [--env NAME]',
  examples: ['cache ttl-audit', 'cache ttl-audit calculation:*', 'cache ttl-audit --max-keys 200000'],
  risk: 'read',
  minRole: 'viewer',
  params,
  parseArgs: (args, flags) => argsAsParams(args, flags, ['pattern']),
  initialProgress: () => stepProgress(steps),
  async validate(ctx) {
    requireCache(ctx.target);
  },
  steps: [
    {
      ...steps[0],
      timeoutMs: 60_000,
      idempotent: true,
      async run(ctx) {
        const { keyPrefix } = requireCache(ctx.target);
        const match = scopedMatch(keyPrefix, ctx.params.pattern);
        const groups = new Map<string, { count: number; samples: string[] }>();
        let withoutTtl = 0;
        ctx.progress(stepProgress(steps, 'scan', `MATCH ${match}`));
        const outcome = await withTargetCache(ctx, (redis) =>
          boundedScan(
            redis,
            { match, bounds: { ...auditScan, maxKeys: ctx.params['max-keys'] }, signal: ctx.signal },
            async (keys) => {
              for (const key of await keysWithoutTtl(redis, keys)) {
                withoutTtl += 1;
                let group = keyGroup(key, keyPrefix);
                if (!groups.has(group) && groups.size >= maxGroups) group = '(other groups)';
                const g = groups.get(group) ?? { count: 0, samples: [] };
                g.count += 1;
                if (g.samples.length < samplesPerGroup) g.samples.push(shownKey(key));
                groups.set(group, g);
              }
            },
          ),
        );
        return {
          match,
          scanned: outcome.keysSeen,
          iterations: outcome.iterations,
          complete: outcome.complete,
          ...(outcome.stoppedBy ? { stoppedBy: outcome.stoppedBy } : {}),
          durationMs: outcome.durationMs,
          withoutTtl,
          groups: [...groups.entries()]
            .map(([group, g]) => ({ group, ...g }))
            .sort((a, b) => b.count - a.count || a.group.localeCompare(b.group)),
        };
      },
    },
  ],
  report(target, p, outputs) {
    const o = outputSchema.parse(outputs.scan);
    const scope = o.complete
      ? `all ${countOf(o.scanned, 'key')} matching ${o.match}`
      : `the first ${countOf(o.scanned, 'key')} matching ${o.match} (stopped by the ${o.stoppedBy ?? '?'} bound)`;
    const items: ProgressItem[] = [
      {
        id: 'without-ttl',
        title: 'Keys without a TTL',
        status: o.withoutTtl > 0 ? 'warn' : 'ok',
        value: `${formatCount(o.withoutTtl)} of ${formatCount(o.scanned)}`,
        threshold: '> 0 warns',
        ...(o.withoutTtl > 0
          ? { summary: `set one with: cache set-ttl <pattern> <seconds> (only keys without a TTL are touched)` }
          : {}),
      },
      {
        id: 'scan',
        title: 'Scan',
        status: o.complete ? 'ok' : 'warn',
        value: `${countOf(o.iterations, 'SCAN call')} in ${formatSeconds(o.durationMs / 1000)}`,
        threshold: `COUNT ${auditScan.count}, at most ${formatCount(p['max-keys'])} keys, ${auditScan.maxIterations} calls, ${formatSeconds(auditScan.timeBudgetMs / 1000)}`,
        summary: o.complete ? 'complete' : `partial: raise --max-keys or narrow the pattern`,
      },
      ...o.groups.slice(0, 10).map<ProgressItem>((g) => ({
        id: `group:${g.group}`,
        title: g.group,
        status: 'warn',
        value: `${formatCount(g.count)} without a TTL`,
        summary: `e.g. ${g.samples.join(', ')}`,
      })),
    ];
    return {
      status: o.withoutTtl > 0 || !o.complete ? 'warn' : 'ok',
      headline: `${countOf(o.withoutTtl, 'key')} without a TTL among ${scope} in the cache of ${target.service.displayName} (${target.environment})`,
      items,
      details: [
        {
          title: `Keys without a TTL by prefix (${countOf(o.groups.length, 'group')})`,
          lines:
            o.groups.length > 0
              ? o.groups.map((g) => `${g.group} · ${formatCount(g.count)} · e.g. ${g.samples.join(', ')}`)
              : ['Every scanned key has a TTL.'],
        },
      ],
    };
  },
};
