import { z } from 'zod';
import type { RunTarget } from '../../runbook.js';

/** The windows `perf` reports on: the daily check, the weekly report and the monthly audit of the guides. */
export const perfWindows = ['24h', '7d', '30d'] as const;
/** One perf window. */
export type PerfWindow = (typeof perfWindows)[number];

/** Per window: seconds, and the range-query step and rate window of the latency trend (the guide's weekly: 1 h). */
export const windowShape: Record<PerfWindow, { seconds: number; step: number; rate: string }> = {
  '24h': { seconds: 86_400, step: 600, rate: '10m' },
  '7d': { seconds: 7 * 86_400, step: 3600, rate: '1h' },
  '30d': { seconds: 30 * 86_400, step: 3 * 3600, rate: '3h' },
};

/**
 * PromQL templates of the monthly performance audit, summed over series so several replicas give one number.
 * `{service}` is the service key as a metric prefix, `{window}` the range, `{quantile}` e.g. 0.95.
 */
const defaults = {
  throughput: 'sum(rate({service}_calculation_requests_total[{window}]))',
  errorRatio:
    'sum(rate({service}_calculation_errors_total[{window}])) / sum(rate({service}_calculation_requests_total[{window}]))',
  latency:
    'histogram_quantile({quantile}, sum by (le) (rate({service}_calculation_duration_seconds_bucket[{window}])))',
};

/** The optional config keys, `prometheus.perf` (templates) and `thresholds.p99LatencySeconds`, read leniently. */
const perfConfig = z
  .object({
    perf: z
      .object({ throughput: z.string().min(1), errorRatio: z.string().min(1), latency: z.string().min(1) })
      .partial()
      .optional(),
  })
  .loose();
const p99Threshold = z.object({ p99LatencySeconds: z.number().positive().optional() }).loose();

/** The queries of one perf report. */
export interface PerfQueries {
  throughput: string;
  errorRatio: string;
  latency(quantile: number): string;
  /** The p95 over short ranges, for the trend. */
  latencyTrend: string;
}

/** The perf queries of a target and window, from its config or the guide's defaults. */
export function perfQueries(target: RunTarget, window: PerfWindow): PerfQueries {
  const configured = perfConfig.safeParse(target.env.prometheus ?? {});
  const perf = configured.success ? (configured.data.perf ?? {}) : {};
  // Metric names cannot contain "-", service keys can.
  const prefix = target.serviceKey.replaceAll('-', '_');
  const fill = (template: string, range: string, quantile = '') =>
    template.replaceAll('{service}', prefix).replaceAll('{window}', range).replaceAll('{quantile}', quantile);
  const latency = perf.latency ?? defaults.latency;
  return {
    throughput: fill(perf.throughput ?? defaults.throughput, window),
    errorRatio: fill(perf.errorRatio ?? defaults.errorRatio, window),
    latency: (q) => fill(latency, window, String(q)),
    latencyTrend: fill(latency, windowShape[window].rate, '0.95'),
  };
}

/** The p99 SLO in seconds when configured (the VCCI guide's is 1 s); there is no default. */
export function p99LatencySeconds(target: RunTarget): number | undefined {
  const parsed = p99Threshold.safeParse(target.thresholds);
  return parsed.success ? parsed.data.p99LatencySeconds : undefined;
}
