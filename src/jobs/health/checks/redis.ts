import type { Thresholds } from '../../../config/thresholds.js';
import { messageOf } from '../../../errors.js';
import type { CacheInfo } from '../../../infra/cache.js';
import type { HealthCheck } from '../check.js';
import { formatBytes, formatCount, formatFraction, formatPercent } from './format.js';
import { type CheckOutcome, firstLine, notConfigured, notMeasured } from './outcome.js';

// Redis's own MEMORY DOCTOR ignores fragmentation on a nearly empty instance: its ratio is high but meaningless.
const fragmentationMinBytes = 5 * 1024 * 1024;

/** Judges Redis INFO: fragmentation and memory against maxmemory warn; hit rate and evictions are reported. */
export function assessCacheInfo(info: CacheInfo, thresholds: Thresholds): CheckOutcome {
  const lookups = info.keyspaceHits + info.keyspaceMisses;
  const hitRate = lookups > 0 ? info.keyspaceHits / lookups : undefined;
  const memoryPercent = info.maxMemory > 0 ? (info.usedMemory / info.maxMemory) * 100 : undefined;
  const warnings: string[] = [];
  if (info.usedMemory >= fragmentationMinBytes && info.memFragmentationRatio > thresholds.cacheFragmentationRatio) {
    warnings.push(`fragmentation ratio ${info.memFragmentationRatio} above ${thresholds.cacheFragmentationRatio}`);
  }
  if (memoryPercent !== undefined && memoryPercent > thresholds.cacheMemoryPercent) {
    warnings.push(
      `memory ${formatPercent(memoryPercent)} of maxmemory, above ${formatPercent(thresholds.cacheMemoryPercent)}`,
    );
  }
  const memory = `memory ${formatBytes(info.usedMemory)}${memoryPercent === undefined ? '' : ` (${formatPercent(memoryPercent)} of maxmemory)`}`;
  const hits = `hit rate ${hitRate === undefined ? 'n/a' : formatFraction(hitRate)}`;
  const value = `PONG; ${memory}; ${hits}`;
  return {
    status: warnings.length > 0 ? 'warn' : 'ok',
    value,
    threshold:
      `fragmentation > ${thresholds.cacheFragmentationRatio} warns (from ${formatBytes(fragmentationMinBytes)} used); ` +
      `memory > ${formatPercent(thresholds.cacheMemoryPercent)} of maxmemory warns`,
    summary:
      warnings.length > 0 ? `Redis answers, but ${warnings.join('; ')}` : `Redis answers PING; ${memory}; ${hits}`,
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
