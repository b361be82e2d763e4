import { messageOf } from '../../../errors.js';
import { countOf } from '../../../format/words.js';
import type { CacheInfo } from '../../../infra/cache.js';
import type { HealthCheck } from '../../health/check.js';
import { judgeFragmentation, judgeHitRate } from '../../health/checks/cache-rules.js';
import { formatBytes } from '../../health/checks/format.js';
import { type CheckOutcome, firstLine, notConfigured } from '../../health/checks/outcome.js';
import { assessCacheInfo } from '../../health/checks/redis.js';

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
    const hitRate = judgeHitRate(info, ctx.thresholds);
    const fragmentation = judgeFragmentation(info, ctx.thresholds);
    // INFO counters run since Redis last started, so evictions are a total, not this week's.
    const value =
      `hit rate ${hitRate.status === 'skipped' ? 'n/a' : hitRate.value}, memory ${formatBytes(info.usedMemory)}, ` +
      `fragmentation ${fragmentation.value}, ${countOf(info.evictedKeys, 'eviction')}`;
    return {
      status: assessed.status,
      value,
      threshold: assessed.threshold,
      summary: assessed.status === 'ok' ? 'counted since Redis started' : assessed.summary,
      details: assessed.details,
    };
  },
};
