import { z } from 'zod';
import { countOf } from '../../../format/words.js';
import { boundedScan, expireWhereNone, type ScanBounds } from '../../../infra/redis-scan.js';
import { formatCount, formatSeconds } from '../../health/checks/format.js';
import type { Runbook } from '../../runbook.js';
import { stepProgress } from '../../step-progress.js';
import { argsAsParams } from '../db/db-context.js';
import { changePatternParam, requireCache, scopedMatch, shownKey, withTargetCache } from './cache-context.js';

/** One year: the longest TTL accepted. */
export const maxTtlSeconds = 31_536_000;
const secondsAccepted = `a whole number of seconds from 1 to ${formatCount(maxTtlSeconds)} (one year)`;
const secondsMessage = `expected ${secondsAccepted}`;

/** Seconds as typed (`86400`) or as stored (86400); signs, decimals, exponents and units are refused. */
const secondsParam = z
  .union(
    [
      z.number(),
      z
        .string()
        .regex(/^-?\d{1,30}$/, { message: secondsMessage })
        .transform(Number),
    ],
    {
      message: secondsMessage,
    },
  )
  .pipe(
    z
      .number()
      .int({ message: secondsMessage })
      .min(1, { message: secondsMessage })
      .max(maxTtlSeconds, { message: secondsMessage }),
  )
  .describe(secondsAccepted);

const params = z
  .object({
    pattern: changePatternParam,
    seconds: secondsParam,
    'max-keys': z.coerce.number().int().min(1).max(1_000_000).default(100_000),
  })
  .strict();
type SetTtlParams = z.infer<typeof params>;

const steps = [{ name: 'expire', title: 'EXPIRE … NX on keys without a TTL' }] as const;

/** SCAN's COUNT hint and the bounds besides --max-keys. */
export const setTtlScan: Omit<ScanBounds, 'maxKeys'> = { count: 500, maxIterations: 10_000, timeBudgetMs: 60_000 };
const samples = 10;

const outputSchema = z.object({
  match: z.string(),
  scanned: z.number(),
  set: z.number(),
  skipped: z.number(),
  samples: z.array(z.string()),
  complete: z.boolean(),
  stoppedBy: z.enum(['keys', 'iterations', 'time']).optional(),
  iterations: z.number(),
  durationMs: z.number(),
});

/**
 * The THERMALIQ guide's "Set TTL for keys without expiration", made safe: SCAN (never KEYS) within the environment's
 * key prefix, and `EXPIRE key seconds NX`, so a TTL the application set is never replaced.
 */
export const cacheSetTtlRunbook: Runbook<SetTtlParams> = {
  name: 'cache set-ttl',
  summary: 'Set a TTL on the keys matching a pattern that have none (SCAN + EXPIRE NX); report how many were set',
  usage: 'cache set-ttl <pattern> <seconds> [--max-keys N] [--env NAME]',
  examples: ['cache set-ttl calculation:* 86400', 'cache set-ttl session:* 3600 --env staging'],
  risk: 'change',
  minRole: 'operator',
  params,
  parseArgs: (args, flags) => argsAsParams(args, flags, ['pattern', 'seconds']),
  initialProgress: () => stepProgress(steps),
  async validate(ctx) {
    requireCache(ctx.target);
  },
  steps: [
    {
      ...steps[0],
      timeoutMs: 2 * 60_000,
      // EXPIRE NX leaves keys that already have a TTL alone, so a repeat sets nothing twice.
      idempotent: true,
      async run(ctx) {
        const { keyPrefix } = requireCache(ctx.target);
        const match = scopedMatch(keyPrefix, ctx.params.pattern);
        let set = 0;
        let skipped = 0;
        const kept: string[] = [];
        ctx.progress(stepProgress(steps, 'expire', `MATCH ${match} · EXPIRE ${ctx.params.seconds} NX`));
        const outcome = await withTargetCache(ctx, (redis) =>
          boundedScan(
            redis,
            { match, bounds: { ...setTtlScan, maxKeys: ctx.params['max-keys'] }, signal: ctx.signal },
            async (keys) => {
              const done = await expireWhereNone(redis, keys, ctx.params.seconds);
              set += done.set.length;
              skipped += done.skipped;
              for (const key of done.set) if (kept.length < samples) kept.push(shownKey(key));
              ctx.progress(stepProgress(steps, 'expire', `${formatCount(set)} set so far`));
            },
          ),
        );
        return {
          match,
          scanned: outcome.keysSeen,
          set,
          skipped,
          samples: kept,
          complete: outcome.complete,
          ...(outcome.stoppedBy ? { stoppedBy: outcome.stoppedBy } : {}),
          iterations: outcome.iterations,
          durationMs: outcome.durationMs,
        };
      },
    },
  ],
  report(target, p, outputs) {
    const o = outputSchema.parse(outputs.expire);
    const ttl = formatSeconds(p.seconds);
    return {
      status: o.complete ? 'ok' : 'warn',
      headline:
        `Set a TTL of ${p.seconds} s on ${countOf(o.set, 'key')} matching ${o.match} in the cache of ` +
        `${target.service.displayName} (${target.environment}); ${formatCount(o.skipped)} already had one` +
        (o.complete
          ? ''
          : `; stopped by the ${o.stoppedBy ?? '?'} bound after ${countOf(o.scanned, 'key')}: run it again to continue`),
      items: [
        {
          id: 'set',
          title: 'TTL set',
          status: 'succeeded',
          value: `${countOf(o.set, 'key')} → ${ttl}`,
          summary: o.samples.length > 0 ? `e.g. ${o.samples.slice(0, 3).join(', ')}` : 'no key was without a TTL',
        },
        { id: 'skipped', title: 'Already had a TTL', status: 'ok', value: formatCount(o.skipped) },
        {
          id: 'scan',
          title: 'Scan',
          status: o.complete ? 'ok' : 'warn',
          value: `${countOf(o.scanned, 'key')}, ${countOf(o.iterations, 'SCAN call')}, ${formatSeconds(o.durationMs / 1000)}`,
          threshold: `at most ${formatCount(p['max-keys'])} keys, ${formatSeconds(setTtlScan.timeBudgetMs / 1000)}`,
          summary: o.complete ? 'complete' : 'partial',
        },
      ],
      details: [{ title: `Keys given a TTL (first ${samples})`, lines: o.samples.length > 0 ? o.samples : ['None.'] }],
    };
  },
};
