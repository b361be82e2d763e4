import { z } from 'zod';
import { countOf, nounFor } from '../../../format/words.js';
import { cacheInfoDetail, redisLabel } from '../../../infra/redis-session.js';
import { judgeFragmentation, judgeHitRate, judgeMemory } from '../../health/checks/cache-rules.js';
import { formatBytes, formatCount } from '../../health/checks/format.js';
import type { ProgressItem } from '../../report.js';
import type { Runbook } from '../../runbook.js';
import { oneStepRead } from '../one-step-read.js';
import { requireCache, withTargetCache } from './cache-context.js';

const params = z.object({}).strict();
type CacheStatsParams = z.infer<typeof params>;

/** The VCCI guide's "Optimize Cache Configuration": `maxmemory-policy allkeys-lru`. */
export const recommendedPolicy = 'allkeys-lru';

const infoSchema = z.object({
  keyspaceHits: z.number(),
  keyspaceMisses: z.number(),
  usedMemory: z.number(),
  maxMemory: z.number(),
  memFragmentationRatio: z.number(),
  evictedKeys: z.number(),
  expiredKeys: z.number(),
  usedMemoryRss: z.number(),
  maxMemoryPolicy: z.string(),
  memAllocator: z.string(),
  redisVersion: z.string(),
  keys: z.number(),
  keysWithExpiry: z.number(),
});

/** The guides' cache statistics (hit rate, memory, fragmentation, evicted and expired keys) against thresholds. */
export const cacheStatsRunbook: Runbook<CacheStatsParams> = oneStepRead({
  name: 'cache stats',
  summary: 'Redis hit rate, memory, fragmentation ratio, evicted and expired keys, against the thresholds',
  usage: 'cache stats [--env NAME]',
  examples: ['cache stats', 'cache stats --env staging'],
  params,
  reads: 'cache',
  step: { name: 'info', title: 'Read Redis INFO', timeoutMs: 30_000 },
  async read(ctx) {
    return withTargetCache(ctx, (redis) => cacheInfoDetail(redis));
  },
  report(target, _p, outputs) {
    const i = infoSchema.parse(outputs.info);
    const t = target.thresholds;
    const hitRate = judgeHitRate(i, t);
    const memory = judgeMemory(i, t);
    const fragmentation = judgeFragmentation(i, t);
    const items: ProgressItem[] = [
      {
        id: 'hit-rate',
        title: 'Hit rate',
        status: hitRate.status,
        value: hitRate.value,
        threshold: hitRate.threshold,
        summary: `${countOf(i.keyspaceHits, 'hit')}, ${countOf(i.keyspaceMisses, 'miss', 'misses')}`,
      },
      {
        id: 'memory',
        title: 'Memory',
        status: memory.status,
        value:
          memory.status === 'skipped'
            ? formatBytes(i.usedMemory)
            : `${formatBytes(i.usedMemory)} of ${formatBytes(i.maxMemory)} (${memory.value})`,
        threshold: memory.threshold,
        summary: `RSS ${formatBytes(i.usedMemoryRss)}`,
      },
      {
        id: 'fragmentation',
        title: 'Fragmentation ratio',
        status: fragmentation.status,
        value: fragmentation.value,
        threshold:
          fragmentation.status === 'skipped'
            ? fragmentation.threshold
            : `${fragmentation.threshold} (then: cache purge)`,
        summary: `allocator ${i.memAllocator}`,
      },
      {
        id: 'maxmemory-policy',
        title: 'Eviction policy',
        status: i.maxMemoryPolicy === recommendedPolicy ? 'ok' : 'warn',
        value: i.maxMemoryPolicy,
        threshold: `recommended ${recommendedPolicy}`,
        ...(i.maxMemoryPolicy === recommendedPolicy
          ? {}
          : { summary: `the VCCI guide's cache setting; keep noeviction if this Redis also holds queues or sessions` }),
      },
      {
        id: 'evicted',
        title: 'Evicted keys',
        // Evictions are how an LRU cache makes room: informational, unless there is no room to make.
        status: i.evictedKeys > 0 && i.maxMemoryPolicy === 'noeviction' ? 'warn' : 'ok',
        value: formatCount(i.evictedKeys),
        summary: 'since the last restart',
      },
      {
        id: 'expired',
        title: 'Expired keys',
        status: 'ok',
        value: formatCount(i.expiredKeys),
        summary: `since the last restart; ${formatCount(i.keysWithExpiry)} of ${countOf(i.keys, 'key')} now ${nounFor(i.keysWithExpiry, 'has', 'have')} a TTL`,
      },
    ];
    const warnings = items.filter((x) => x.status === 'warn');
    return {
      status: warnings.length > 0 ? 'warn' : 'ok',
      headline:
        `Cache of ${target.service.displayName} (${target.environment}): hit rate ${hitRate.status === 'skipped' ? 'n/a' : hitRate.value}, ` +
        `${formatBytes(i.usedMemory)} used, fragmentation ${i.memFragmentationRatio}` +
        (warnings.length > 0 ? `; ${warnings.map((w) => w.title.toLowerCase()).join(', ')} need attention` : ''),
      items,
      details: [
        {
          title: `Redis ${i.redisVersion} at ${redisLabel(requireCache(target).url)}`,
          lines: [
            `keyspace_hits ${i.keyspaceHits} · keyspace_misses ${i.keyspaceMisses}`,
            `used_memory ${i.usedMemory} · used_memory_rss ${i.usedMemoryRss} · maxmemory ${i.maxMemory}`,
            `mem_fragmentation_ratio ${i.memFragmentationRatio} · mem_allocator ${i.memAllocator}`,
            `maxmemory_policy ${i.maxMemoryPolicy} · evicted_keys ${i.evictedKeys} · expired_keys ${i.expiredKeys}`,
            `keys ${i.keys} · with a TTL ${i.keysWithExpiry}`,
          ],
        },
      ],
    };
  },
});
