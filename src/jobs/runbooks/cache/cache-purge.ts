import { z } from 'zod';
import { cacheInfoDetail, memoryPurge } from '../../../infra/redis-session.js';
import { formatBytes } from '../../health/checks/format.js';
import type { Runbook } from '../../runbook.js';
import { stepProgress } from '../../step-progress.js';
import { argsAsParams } from '../db/db-context.js';
import { requireCache, withTargetCache } from './cache-context.js';

const params = z.object({ force: z.boolean().default(false) }).strict();
type CachePurgeParams = z.infer<typeof params>;

const steps = [{ name: 'purge', title: 'MEMORY PURGE' }] as const;

const memory = z.object({ ratio: z.number(), usedMemory: z.number(), rss: z.number(), allocator: z.string() });
const outputSchema = z.object({
  purged: z.boolean(),
  forced: z.boolean(),
  threshold: z.number(),
  before: memory,
  after: memory.optional(),
});

/** The THERMALIQ guide's "If fragmentation > 1.5, defragment": MEMORY PURGE when needed, or when forced. */
export const cachePurgeRunbook: Runbook<CachePurgeParams> = {
  name: 'cache purge',
  summary: 'MEMORY PURGE when the fragmentation ratio is above the threshold (1.5), or with --force',
  usage: 'cache purge [--force] [--env NAME]',
  examples: ['cache purge', 'cache purge --force --env staging'],
  risk: 'change',
  minRole: 'operator',
  params,
  parseArgs: (args, flags) => argsAsParams(args, flags),
  initialProgress: () => stepProgress(steps),
  async validate(ctx) {
    requireCache(ctx.target);
  },
  steps: [
    {
      ...steps[0],
      timeoutMs: 60_000,
      // MEMORY PURGE only releases allocator pages; repeating it is harmless.
      idempotent: true,
      async run(ctx) {
        const threshold = ctx.target.thresholds.cacheFragmentationRatio;
        return withTargetCache(ctx, async (redis) => {
          const read = async () => {
            const i = await cacheInfoDetail(redis);
            return {
              ratio: i.memFragmentationRatio,
              usedMemory: i.usedMemory,
              rss: i.usedMemoryRss,
              allocator: i.memAllocator,
            };
          };
          const before = await read();
          const needed = before.ratio > threshold;
          if (!needed && !ctx.params.force) return { purged: false, forced: false, threshold, before };
          ctx.progress(stepProgress(steps, 'purge', `fragmentation ${before.ratio}`));
          await memoryPurge(redis);
          return { purged: true, forced: !needed, threshold, before, after: await read() };
        });
      },
    },
  ],
  report(target, _p, outputs) {
    const o = outputSchema.parse(outputs.purge);
    const where = `${target.service.displayName} (${target.environment})`;
    const threshold = `> ${o.threshold} purges`;
    if (!o.purged) {
      return {
        status: 'ok',
        headline: `MEMORY PURGE not needed on the cache of ${where}: fragmentation ratio ${o.before.ratio} is not above ${o.threshold}`,
        items: [
          {
            id: 'purge',
            title: 'MEMORY PURGE',
            status: 'skipped',
            value: 'not needed',
            summary: 'use --force to purge anyway',
          },
          { id: 'fragmentation', title: 'Fragmentation ratio', status: 'ok', value: String(o.before.ratio), threshold },
        ],
        details: [],
      };
    }
    const after = o.after ?? o.before;
    const jemalloc = o.before.allocator.startsWith('jemalloc');
    return {
      status: after.ratio > o.threshold ? 'warn' : 'ok',
      headline:
        `MEMORY PURGE ran on the cache of ${where}${o.forced ? ' (forced)' : ''}: fragmentation ${o.before.ratio} → ${after.ratio}, ` +
        `RSS ${formatBytes(o.before.rss)} → ${formatBytes(after.rss)}`,
      items: [
        {
          id: 'purge',
          title: 'MEMORY PURGE',
          status: 'succeeded',
          value: o.forced ? 'forced' : 'fragmentation above the threshold',
          ...(jemalloc ? {} : { summary: `allocator ${o.before.allocator}: MEMORY PURGE only helps with jemalloc` }),
        },
        {
          id: 'fragmentation',
          title: 'Fragmentation ratio',
          status: after.ratio > o.threshold ? 'warn' : 'ok',
          value: `${o.before.ratio} → ${after.ratio}`,
          threshold,
          ...(after.ratio > o.threshold
            ? {
                summary:
                  "still high: the guide's next step is a restart of Redis in a maintenance window (it clears the cache)",
              }
            : {}),
        },
        {
          id: 'rss',
          title: 'Resident memory',
          status: 'ok',
          value: `${formatBytes(o.before.rss)} → ${formatBytes(after.rss)}`,
        },
      ],
      details: [],
    };
  },
};
