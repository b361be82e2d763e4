import type { PrometheusClient } from '../../../infra/prometheus.js';
import type { CheckContext } from '../check.js';
import { type CheckOutcome, notConfigured, notMeasured } from './outcome.js';

/** The value of a metric check's query, or the outcome to return instead (not configured, no data, failed). */
export async function queryForCheck(
  ctx: CheckContext,
  pick: (prometheus: PrometheusClient) => string | undefined,
  queryKey: string,
): Promise<{ value: number; promql: string } | { outcome: CheckOutcome }> {
  const prometheus = ctx.infra.prometheus;
  if (!prometheus) return { outcome: notConfigured(ctx, 'prometheus.url', 'Prometheus') };
  const promql = pick(prometheus);
  if (promql === undefined) return { outcome: notConfigured(ctx, `prometheus.queries.${queryKey}`, 'The query') };
  let value: number | undefined;
  try {
    value = await prometheus.query(promql, ctx.signal);
  } catch (err) {
    return { outcome: notMeasured(ctx, err) };
  }
  if (value === undefined) {
    // Empty or NaN: the metric is missing, or there was nothing to divide (no requests in the window).
    return {
      outcome: {
        status: 'error',
        value: 'no data',
        summary: `The query returned no data (metric missing, or no traffic in the window)`,
        details: [promql],
      },
    };
  }
  return { value, promql };
}
