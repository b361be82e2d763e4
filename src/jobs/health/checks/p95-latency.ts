import type { HealthCheck } from '../check.js';
import { formatSeconds } from './format.js';
import type { CheckOutcome } from './outcome.js';
import { queryForCheck } from './prometheus-value.js';

/** The 24 h p95 calculation latency from Prometheus: above thresholds.p95LatencySeconds warns. */
export const p95LatencyCheck: HealthCheck = {
  id: 'p95-latency',
  title: 'p95 latency (24 h)',
  async run(ctx): Promise<CheckOutcome> {
    const measured = await queryForCheck(ctx, (p) => p.queries.p95Latency, 'p95Latency');
    if ('outcome' in measured) return measured.outcome;
    const { value: seconds, promql } = measured;
    const limit = ctx.thresholds.p95LatencySeconds;
    const value = formatSeconds(seconds);
    const threshold = `> ${formatSeconds(limit)} warns`;
    if (seconds > limit) {
      return {
        status: 'warn',
        value,
        threshold,
        summary: `p95 latency ${value}, above ${formatSeconds(limit)}`,
        details: [promql],
      };
    }
    return { status: 'ok', value, threshold, summary: `p95 latency ${value}`, details: [promql] };
  },
};
