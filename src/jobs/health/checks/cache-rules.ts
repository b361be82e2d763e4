import type { Thresholds } from '../../../config/thresholds.js';
import type { CacheInfo } from '../../../infra/cache.js';
import { formatBytes, formatFraction, formatPercent } from './format.js';

// Redis's own MEMORY DOCTOR ignores fragmentation on a nearly empty instance: its ratio is high but meaningless.
const fragmentationMinBytes = 5 * 1024 * 1024;

/**
 * One cache rule held against Redis INFO. The line's colour and its threshold text come from this one verdict, so
 * they cannot disagree: `skipped` is a rule that does not apply here, and `threshold` then says why.
 */
export interface CacheRuleVerdict {
  status: 'ok' | 'warn' | 'skipped';
  /** The measured value, e.g. `6.74`, `78.1 %`. */
  value: string;
  /** The rule as it was applied ("> 1.5 warns"), or why it was not ("not judged below 5 MiB used"). */
  threshold: string;
  /** What is wrong, for a summary, when the rule warns. */
  problem?: string;
}

/** mem_fragmentation_ratio above the threshold warns, from 5 MiB used; below that it is not judged. */
export function judgeFragmentation(
  info: Pick<CacheInfo, 'usedMemory' | 'memFragmentationRatio'>,
  thresholds: Pick<Thresholds, 'cacheFragmentationRatio'>,
): CacheRuleVerdict {
  const limit = thresholds.cacheFragmentationRatio;
  const ratio = info.memFragmentationRatio;
  const value = String(ratio);
  if (info.usedMemory < fragmentationMinBytes) {
    return { status: 'skipped', value, threshold: `not judged below ${formatBytes(fragmentationMinBytes)} used` };
  }
  const threshold = `> ${limit} warns`;
  if (ratio > limit)
    return { status: 'warn', value, threshold, problem: `fragmentation ratio ${ratio} above ${limit}` };
  return { status: 'ok', value, threshold };
}

/** Used memory above the threshold's share of maxmemory warns; without a maxmemory it is not judged. */
export function judgeMemory(
  info: Pick<CacheInfo, 'usedMemory' | 'maxMemory'>,
  thresholds: Pick<Thresholds, 'cacheMemoryPercent'>,
): CacheRuleVerdict {
  const limit = thresholds.cacheMemoryPercent;
  if (info.maxMemory <= 0) {
    return { status: 'skipped', value: formatBytes(info.usedMemory), threshold: 'not judged without a maxmemory' };
  }
  const percent = (info.usedMemory / info.maxMemory) * 100;
  const value = formatPercent(percent);
  const threshold = `> ${formatPercent(limit)} of maxmemory warns`;
  if (percent > limit) {
    return { status: 'warn', value, threshold, problem: `memory ${value} of maxmemory, above ${formatPercent(limit)}` };
  }
  return { status: 'ok', value, threshold };
}

/** The keyspace hit rate below the threshold warns; before any lookup it is not judged. */
export function judgeHitRate(
  info: Pick<CacheInfo, 'keyspaceHits' | 'keyspaceMisses'>,
  thresholds: Pick<Thresholds, 'cacheHitRate'>,
): CacheRuleVerdict {
  const lookups = info.keyspaceHits + info.keyspaceMisses;
  if (lookups === 0) return { status: 'skipped', value: 'no lookups yet', threshold: 'not judged before a lookup' };
  const rate = info.keyspaceHits / lookups;
  const value = formatFraction(rate);
  const threshold = `< ${formatFraction(thresholds.cacheHitRate)} warns`;
  if (rate < thresholds.cacheHitRate) {
    return {
      status: 'warn',
      value,
      threshold,
      problem: `hit rate ${value} below ${formatFraction(thresholds.cacheHitRate)}`,
    };
  }
  return { status: 'ok', value, threshold };
}
