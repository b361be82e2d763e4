import type { PrometheusTarget } from '../config/ops-config.js';

/** The PromQL behind each metric check. */
export interface PrometheusQueries {
  errorRate: string;
  p95Latency: string;
  cacheHitRate: string;
  /** No default: node-exporter and volume metrics differ too much between clusters to guess. */
  diskUsagePercent?: string;
}

// The THERMALIQ guide's daily queries. They are summed over series so that several replicas give one ratio
// (the guide's bare rate(a)/rate(b) yields one sample per pod), and the p95 uses rate() over the buckets,
// which histogram_quantile needs.
const defaults = {
  errorRate:
    'sum(rate({service}_calculation_errors_total[24h])) / sum(rate({service}_calculation_requests_total[24h]))',
  p95Latency: 'histogram_quantile(0.95, sum by (le) (rate({service}_calculation_duration_seconds_bucket[24h])))',
  cacheHitRate:
    'sum(rate({service}_cache_hits_total[24h])) / (sum(rate({service}_cache_hits_total[24h])) + sum(rate({service}_cache_misses_total[24h])))',
} as const;

/** The configured queries, else the guide's, with `{service}` replaced by the service key as a metric prefix. */
export function resolveQueries(target: PrometheusTarget, serviceKey: string): PrometheusQueries {
  // Metric names cannot contain "-", service keys can.
  const prefix = serviceKey.replaceAll('-', '_');
  const fill = (q: string) => q.replaceAll('{service}', prefix);
  const configured = target.queries;
  return {
    errorRate: fill(configured.errorRate ?? defaults.errorRate),
    p95Latency: fill(configured.p95Latency ?? defaults.p95Latency),
    cacheHitRate: fill(configured.cacheHitRate ?? defaults.cacheHitRate),
    diskUsagePercent: configured.diskUsagePercent === undefined ? undefined : fill(configured.diskUsagePercent),
  };
}
