import type { CapacityConfig } from '../../../config/capacity-config.js';
import { capacityConfigSchema } from '../../../config/capacity-config.js';
import type { RunTarget } from '../../runbook.js';

/** The PromQL of one capacity review. */
export interface CapacityQueries {
  /** Requests in the 30 days before each point; ranged with a 30-day step it gives one point per month. */
  monthlyRequests: string;
  /** Database size in bytes, when configured. */
  databaseSize?: string;
  /** Fraction of the CPU limit used over the last 10 minutes (the VCCI guide's "sustained for 10+ minutes"). */
  cpuUtilization: string;
  /** Fraction of the memory limit in use. */
  memoryUtilization: string;
  /** The daily check's cache hit rate over 24 h. */
  cacheHitRate?: string;
}

const defaults = {
  monthlyRequests: 'sum(increase({service}_calculation_requests_total[30d]))',
  cpuUtilization:
    'sum(rate(container_cpu_usage_seconds_total{{pods},container!=""}[10m])) / sum(kube_pod_container_resource_limits{resource="cpu",{pods}})',
  memoryUtilization:
    'sum(container_memory_working_set_bytes{{pods},container!=""}) / sum(kube_pod_container_resource_limits{resource="memory",{pods}})',
};

/** The environment's capacity settings (defaults when it has no `capacity:`). */
export function capacityConfig(target: RunTarget): CapacityConfig {
  return target.env.capacity ?? capacityConfigSchema.parse({});
}

/** The capacity queries of a target, from its `capacity:` config or the defaults, `{service}` and `{pods}` filled. */
export function capacityQueries(target: RunTarget, cacheHitRate: string | undefined): CapacityQueries {
  const cfg = capacityConfig(target);
  // Metric names cannot contain "-", service keys can.
  const prefix = target.serviceKey.replaceAll('-', '_');
  const kube = target.env.kubernetes;
  const pods = kube ? `namespace="${kube.namespace}",pod=~"${kube.deployment}-.*"` : `pod=~"${prefix}.*"`;
  const fill = (q: string) => q.replaceAll('{service}', prefix).replaceAll('{pods}', pods);
  return {
    monthlyRequests: fill(cfg.requestsQuery ?? defaults.monthlyRequests),
    databaseSize: cfg.databaseSizeQuery === undefined ? undefined : fill(cfg.databaseSizeQuery),
    cpuUtilization: fill(cfg.cpuUtilizationQuery ?? defaults.cpuUtilization),
    memoryUtilization: fill(cfg.memoryUtilizationQuery ?? defaults.memoryUtilization),
    cacheHitRate,
  };
}
