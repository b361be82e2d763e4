import type { HealthCheck } from '../../health/check.js';
import { formatCount } from '../../health/checks/format.js';
import type { CheckOutcome } from '../../health/checks/outcome.js';
import type { RunTarget } from '../../runbook.js';
import { digestValue } from './digest-prom-value.js';

const monthSeconds = 30 * 86_400;
// As the daily error-rate check: an error ratio five times the threshold is an outage, not a blemish.
const failFactor = 5;

// Success rates live near 100 %, where 99.9 and 99.95 differ: keep three decimals (the health format keeps one).
function formatSuccess(rate: number): string {
  return `${Number((rate * 100).toFixed(3))} %`;
}

function formatRate(perSecond: number): string {
  return `${Number(perSecond.toFixed(perSecond < 10 ? 3 : 1))} req/s`;
}

/** The monthly audit's average throughput over 30 days; no requests at all warns. */
export function throughputSection(target: RunTarget): HealthCheck {
  return {
    id: 'throughput-30d',
    title: 'Throughput (30 d)',
    async run(ctx): Promise<CheckOutcome> {
      const measured = await digestValue(ctx, target, (q) => q.throughput30d);
      if ('outcome' in measured) return measured.outcome;
      const { value: rate, promql } = measured;
      const value = `${formatRate(rate)} (≈ ${formatCount(rate * monthSeconds)} requests)`;
      if (rate <= 0) {
        return { status: 'warn', value, summary: 'No requests in 30 days', details: [promql] };
      }
      return { status: 'ok', value, summary: `Average throughput ${value}`, details: [promql] };
    },
  };
}

/**
 * The monthly audit's success rate (1 − error ratio) over 30 days against the objective 1 − thresholds.errorRate
 * (the THERMALIQ 1 %, or VCCI's 0.1 % when configured): below it warns, below 1 − 5 × errorRate fails.
 */
export function successRateSection(target: RunTarget): HealthCheck {
  return {
    id: 'success-rate-30d',
    title: 'Success rate (30 d)',
    async run(ctx): Promise<CheckOutcome> {
      const measured = await digestValue(ctx, target, (q) => q.successRate30d);
      if ('outcome' in measured) return measured.outcome;
      const { value: rate, promql } = measured;
      const objective = 1 - ctx.thresholds.errorRate;
      const failBelow = 1 - ctx.thresholds.errorRate * failFactor;
      const value = formatSuccess(rate);
      const threshold = `SLO ≥ ${formatSuccess(objective)}; < ${formatSuccess(failBelow)} fails`;
      const details = [promql];
      if (rate < failBelow) {
        return {
          status: 'fail',
          value,
          threshold,
          summary: `Success rate ${value}, below ${formatSuccess(failBelow)}`,
          details,
        };
      }
      if (rate < objective) {
        return {
          status: 'warn',
          value,
          threshold,
          summary: `Success rate ${value} misses the ${formatSuccess(objective)} SLO`,
          details,
        };
      }
      return {
        status: 'ok',
        value,
        threshold,
        summary: `Success rate ${value}, within the ${formatSuccess(objective)} SLO`,
        details,
      };
    },
  };
}
