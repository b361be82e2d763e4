import type { RunTarget } from '../../runbook.js';
import { perfQueries, windowShape } from '../monitor/perf-queries.js';

/** The PromQL behind the digests' figures. */
export interface DigestQueries {
  /** Calculation errors counted over the last 24 h. */
  errors24h: string;
  /** p95 latency over the hour before each point: one point per hour makes the 7-day trend. */
  p95Hourly: string;
  /** The range-query step of the trend, in seconds (the guide's weekly report: 3600). */
  trendStepSeconds: number;
  /** Requests per second, averaged over 30 days. */
  throughput30d: string;
  /** 1 − error ratio over 30 days. */
  successRate30d: string;
  /** The q-quantile (0.5, 0.95, 0.99) of latency over 30 days. */
  latency30d(quantile: number): string;
  /** CPU cores the service's containers used, averaged over 30 days. */
  cpuUsage30d: string;
  /** CPU cores the service's containers request now (kube-state-metrics). */
  cpuRequests: string;
}

/**
 * The digest queries for a target. Throughput, success rate, percentiles and the trend are the `perf` runbook's
 * (its 7 d and 30 d windows, and any `prometheus.perf` templates), so a digest and `perf` never disagree; errors
 * and CPU are the guides' queries on the service's metric prefix and pods.
 */
export function digestQueries(target: RunTarget): DigestQueries {
  // Metric names cannot contain "-", service keys can.
  const prefix = target.serviceKey.replaceAll('-', '_');
  const kube = target.env.kubernetes;
  // The guide selects pods by name (pod=~'thermaliq.*'); with Kubernetes configured, the namespace narrows it.
  const pods = kube ? `namespace="${kube.namespace}",pod=~"${kube.deployment}-.*"` : `pod=~"${prefix}.*"`;
  const week = perfQueries(target, '7d');
  const month = perfQueries(target, '30d');
  return {
    errors24h: `sum(increase(${prefix}_calculation_errors_total[24h]))`,
    p95Hourly: week.latencyTrend,
    trendStepSeconds: windowShape['7d'].step,
    throughput30d: month.throughput,
    successRate30d: `1 - (${month.errorRatio})`,
    latency30d: (q) => month.latency(q),
    // The guide's avg_over_time() of a CPU counter is not a usage; rate() over the window is.
    cpuUsage30d: `sum(rate(container_cpu_usage_seconds_total{${pods},container!=""}[30d]))`,
    cpuRequests: `sum(kube_pod_container_resource_requests{resource="cpu",${pods}})`,
  };
}
