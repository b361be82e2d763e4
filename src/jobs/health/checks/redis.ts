import type { Thresholds } from '../../../config/thresholds.js';
import { messageOf } from '../../../errors.js';
import type { CacheInfo } from '../../../infra/cache.js';
import type { HealthCheck } from '../check.js';
import { judgeFragmentation, judgeHitRate, judgeMemory } from './cache-rules.js';
import { formatBytes, formatCount } from './format.js';
import { type CheckOutcome, firstLine, notConfigured, notMeasured } from './outcome.js';

/**
 * Judges Redis INFO: fragmentation and memory against maxmemory warn (each says when it does not apply, from the
 * same verdict that colours the line); hit rate and evictions are reported.
 */
export function assessCacheInfo(info: CacheInfo, thresholds: Thresholds): CheckOutcome {
  const fragmentation = judgeFragmentation(info, thresholds);
  const memoryRule = judgeMemory(info, thresholds);
  const hitRate = judgeHitRate(info, thresholds);
  const problems = [fragmentation.problem, memoryRule.problem].filter((p) => p !== undefined);
  const memory = `memory ${formatBytes(info.usedMemory)}${memoryRule.status === 'skipped' ? '' : ` (${memoryRule.value} of maxmemory)`}`;
  const hits = `hit rate ${hitRate.status === 'skipped' ? 'n/a' : hitRate.value}`;
  return {
    status: fragmentation.status === 'warn' || memoryRule.status === 'warn' ? 'warn' : 'ok',
    value: `PONG; ${memory}; fragmentation ${fragmentation.value}; ${hits}`,
    threshold: `fragmentation ${fragmentation.threshold}; memory ${memoryRule.threshold}`,
    summary: problems.length > 0 ? `Redis answers, but ${problems.join('; ')}` : 'Redis answers PING',
    details: [
      `keyspace hits ${formatCount(info.keyspaceHits)}, misses ${formatCount(info.keyspaceMisses)}, ${hits}`,
      `used memory ${formatBytes(info.usedMemory)}, maxmemory ${info.maxMemory > 0 ? formatBytes(info.maxMemory) : 'unlimited'}`,
      `fragmentation ratio ${info.memFragmentationRatio}`,
      `evicted keys ${formatCount(info.evictedKeys)}, expired keys ${formatCount(info.expiredKeys)}`,
    ],
  };
}

/** Redis answers PING (else fail), with memory, fragmentation and keyspace hit rate from INFO. */
export const redisCheck: HealthCheck = {
  id: 'redis',
  title: 'Redis',
  async run(ctx): Promise<CheckOutcome> {
    const cache = ctx.infra.cache;
    if (!cache) return notConfigured(ctx, 'cache.url', 'Redis');
    try {
      await cache.ping({ signal: ctx.signal });
    } catch (err) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      return { status: 'fail', value: 'no PONG', threshold: 'answers PING', summary: firstLine(messageOf(err)) };
    }
    let info: CacheInfo;
    try {
      info = await cache.info({ signal: ctx.signal });
    } catch (err) {
      return notMeasured(ctx, err);
    }
    return assessCacheInfo(info, ctx.thresholds);
  },
};
