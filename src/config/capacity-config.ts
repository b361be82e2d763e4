import { z } from 'zod';

/** An optional PromQL query where an empty value (e.g. `${VAR:-}`) means "not configured". */
const optionalQuery = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

/**
 * `capacity:` of an environment, for the `capacity` runbook (THERMALIQ "Capacity Planning Review", VCCI "Resource
 * Forecasting"). Query templates may use `{service}` (the service key as a metric prefix) and `{pods}` (the
 * namespace and pod-name matchers of the deployment).
 */
export const capacityConfigSchema = z
  .object({
    /**
     * Requests one pod serves per second, averaged over a month (THERMALIQ guide: 0.1 calculations/s per pod).
     * Without it, the forecast is not turned into pods.
     */
    requestsPerPodPerSecond: z.coerce.number().positive().optional(),
    /** Head room on top of the pods the forecast needs (VCCI guide: 30 %). */
    bufferPercent: z.coerce.number().min(0).max(500).default(30),
    /** Requests in the 30 days before each point (default: increase of `{service}_calculation_requests_total`). */
    requestsQuery: optionalQuery,
    /** Database size in bytes over time, for its growth trend (e.g. postgres_exporter's pg_database_size_bytes). */
    databaseSizeQuery: optionalQuery,
    /** CPU used as a fraction of the CPU limit over the last 10 minutes (default: cAdvisor / kube-state-metrics). */
    cpuUtilizationQuery: optionalQuery,
    /** Memory used as a fraction of the memory limit (default: cAdvisor / kube-state-metrics). */
    memoryUtilizationQuery: optionalQuery,
  })
  .strict();

/** The capacity settings of one environment. */
export type CapacityConfig = z.infer<typeof capacityConfigSchema>;
