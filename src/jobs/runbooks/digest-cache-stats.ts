import { messageOf } from '../../errors.js';
import type { CacheInfo } from '../../infra/cache.js';
import type { HealthCheck } from '../health/check.js';
import { formatBytes, formatCount, formatFraction } from '../health/checks/format.js';
import { type CheckOutcome, firstLine, notConfigured } from '../health/checks/outcome.js';
import { assessCacheInfo } from '../health/checks/redis.js';

/**
 * The weekly cache stats from Redis INFO: keyspace hit rate, memory, fragmentation and evictions, judged like the
 * daily Redis check (fragmentation or memory above their thresholds warns). A Redis that does not answer fails.
 */
export const cacheStatsSection: HealthCheck = {
  id: 'cache-stats',
  title: 'Cache',
  async run(ctx): Promise<CheckOutcome> {
    const cache = ctx.infra.cache;
    if (!cache) return notConfigured(ctx, 'cache.url', 'Redis');
    let info: CacheInfo;
    try {
      info = await cache.info({ signal: ctx.signal });
    } catch (err) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      return { status: 'fail', value: 'no answer', summary: firstLine(messageOf(err)) };
    }
    const assessed = assessCacheInfo(info, ctx.thresholds);
    const lookups = info.keyspaceHits + info.keyspaceMisses;
    const hitRate = lookups > 0 ? formatFraction(info.keyspaceHits / lookups) : 'n/a';
    // INFO counters run since Redis last started, so evictions are a total, not this week's.
    const value =
      `hit rate ${hitRate}, memory ${formatBytes(info.usedMemory)}, ` +
      `fragmentation ${info.memFragmentationRatio}, ${formatCount(info.evictedKeys)} evictions`;
    return {
      status: assessed.status,
      value,
      threshold: assessed.threshold,
      summary: assessed.status === 'ok' ? `Cache ${value} (since Redis started)` : assessed.summary,
      details: assessed.details,
    };
  },
};
