import type { HealthCheck } from '../check.js';
import { formatFraction } from './format.js';
import type { CheckOutcome } from './outcome.js';
import { queryForCheck } from './prometheus-value.js';

/** The application's 24 h cache hit rate from Prometheus: below thresholds.cacheHitRate warns. */
export const cacheHitRateCheck: HealthCheck = {
  id: 'cache-hit-rate',
  title: 'Cache hit rate (24 h)',
  async run(ctx): Promise<CheckOutcome> {
    const measured = await queryForCheck(ctx, (p) => p.queries.cacheHitRate, 'cacheHitRate');
    if ('outcome' in measured) return measured.outcome;
    const { value: rate, promql } = measured;
    const minimum = ctx.thresholds.cacheHitRate;
    const value = formatFraction(rate);
    const threshold = `< ${formatFraction(minimum)} warns`;
    if (rate < minimum) {
      return {
        status: 'warn',
        value,
        threshold,
        summary: `Cache hit rate ${value}, below ${formatFraction(minimum)}`,
        details: [promql],
      };
    }
    return { status: 'ok', value, threshold, summary: `Cache hit rate ${value}`, details: [promql] };
  },
};
