import type { HealthCheck } from '../check.js';
import { formatFraction } from './format.js';
import type { CheckOutcome } from './outcome.js';
import { queryForCheck } from './prometheus-value.js';

// The guide warns above the threshold; five times the threshold is treated as an outage in progress.
const failFactor = 5;

/** The 24 h calculation error rate from Prometheus: above thresholds.errorRate warns, above 5× that fails. */
export const errorRateCheck: HealthCheck = {
  id: 'error-rate',
  title: 'Error rate (24 h)',
  async run(ctx): Promise<CheckOutcome> {
    const measured = await queryForCheck(ctx, (p) => p.queries.errorRate, 'errorRate');
    if ('outcome' in measured) return measured.outcome;
    const { value: rate, promql } = measured;
    const warnAt = ctx.thresholds.errorRate;
    const failAt = warnAt * failFactor;
    const value = formatFraction(rate);
    const threshold = `> ${formatFraction(warnAt)} warns, > ${formatFraction(failAt)} fails`;
    const details = [promql];
    if (rate > failAt)
      return {
        status: 'fail',
        value,
        threshold,
        summary: `Error rate ${value}, above ${formatFraction(failAt)}`,
        details,
      };
    if (rate > warnAt)
      return {
        status: 'warn',
        value,
        threshold,
        summary: `Error rate ${value}, above ${formatFraction(warnAt)}`,
        details,
      };
    return { status: 'ok', value, threshold, summary: `Error rate ${value}`, details };
  },
};
