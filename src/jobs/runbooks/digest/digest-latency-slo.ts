import type { HealthCheck } from '../../health/check.js';
import { formatSeconds } from '../../health/checks/format.js';
import type { CheckOutcome } from '../../health/checks/outcome.js';
import type { RunTarget } from '../../runbook.js';
import { p99LatencySeconds } from '../monitor/perf-queries.js';
import { digestValue } from './digest-prom-value.js';

/**
 * The latency objective of a percentile: p95 is thresholds.p95LatencySeconds, p99 the optional
 * thresholds.p99LatencySeconds (VCCI: 1 s) as the `perf` runbook reads it, p50 has none.
 */
export function latencyObjective(target: RunTarget, percentile: 50 | 95 | 99): number | undefined {
  if (percentile === 95) return target.thresholds.p95LatencySeconds;
  if (percentile === 99) return p99LatencySeconds(target);
  return undefined;
}

function percentileSection(target: RunTarget, percentile: 50 | 95 | 99): HealthCheck {
  return {
    id: `p${percentile}-latency-30d`,
    title: `p${percentile} latency (30 d)`,
    async run(ctx): Promise<CheckOutcome> {
      const measured = await digestValue(ctx, target, (q) => q.latency30d(percentile / 100));
      if ('outcome' in measured) return measured.outcome;
      const { value: seconds, promql } = measured;
      const value = formatSeconds(seconds);
      const details = [promql];
      const objective = latencyObjective(target, percentile);
      if (objective === undefined) {
        const why = percentile === 99 ? ' (no SLO: set thresholds.p99LatencySeconds)' : '';
        return { status: 'ok', value, summary: `p${percentile} latency ${value}${why}`, details };
      }
      const threshold = `SLO < ${formatSeconds(objective)}`;
      if (seconds > objective) {
        return {
          status: 'warn',
          value,
          threshold,
          summary: `p${percentile} latency ${value} misses the ${formatSeconds(objective)} SLO`,
          details,
        };
      }
      return { status: 'ok', value, threshold, summary: `p${percentile} latency ${value}, within the SLO`, details };
    },
  };
}

/** The monthly audit's latency percentiles over 30 days: p50 for reference, p95 and p99 against their SLOs. */
export function latencySloSections(target: RunTarget): HealthCheck[] {
  return [percentileSection(target, 50), percentileSection(target, 95), percentileSection(target, 99)];
}
