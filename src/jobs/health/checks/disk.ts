import type { HealthCheck } from '../check.js';
import { formatPercent } from './format.js';
import type { CheckOutcome } from './outcome.js';
import { queryForCheck } from './prometheus-value.js';

/** Disk usage percent from the configured Prometheus query (no default query): above thresholds.diskPercent warns. */
export const diskCheck: HealthCheck = {
  id: 'disk',
  title: 'Disk usage',
  async run(ctx): Promise<CheckOutcome> {
    const measured = await queryForCheck(ctx, (p) => p.queries.diskUsagePercent, 'diskUsagePercent');
    if ('outcome' in measured) return measured.outcome;
    const { value: percent, promql } = measured;
    const limit = ctx.thresholds.diskPercent;
    const value = formatPercent(percent);
    const threshold = `> ${formatPercent(limit)} warns`;
    if (percent > limit) {
      return {
        status: 'warn',
        value,
        threshold,
        summary: `Disk ${value} used, above ${formatPercent(limit)}`,
        details: [promql],
      };
    }
    return { status: 'ok', value, threshold, summary: `Disk ${value} used`, details: [promql] };
  },
};
