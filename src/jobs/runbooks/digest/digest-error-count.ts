import { countOf } from '../../../format/words.js';
import type { HealthCheck } from '../../health/check.js';
import { formatCount } from '../../health/checks/format.js';
import type { CheckOutcome } from '../../health/checks/outcome.js';
import type { RunTarget } from '../../runbook.js';
import { digestValue } from './digest-prom-value.js';

/**
 * Calculation errors counted by Prometheus over the last 24 h (the VCCI daily check's "errors in last 24h"):
 * above thresholds.errorsPer24h warns. Unlike the log scan it counts the whole day, not one hour × 24.
 */
export function errorCountSection(target: RunTarget): HealthCheck {
  return {
    id: 'errors-24h',
    title: 'Errors (24 h)',
    async run(ctx): Promise<CheckOutcome> {
      const measured = await digestValue(ctx, target, (q) => q.errors24h);
      if ('outcome' in measured) return measured.outcome;
      const { value: count, promql } = measured;
      const limit = ctx.thresholds.errorsPer24h;
      const value = countOf(count, 'error');
      const threshold = `> ${formatCount(limit)} per 24 h warns`;
      const details = [promql];
      if (count > limit) {
        return { status: 'warn', value, threshold, summary: `${value} in 24 h, above ${formatCount(limit)}`, details };
      }
      return { status: 'ok', value, threshold, summary: `${value} in the last 24 h`, details };
    },
  };
}
