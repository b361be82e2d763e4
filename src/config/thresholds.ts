import { z } from 'zod';

/**
 * Health thresholds. Defaults are the THERMALIQ maintenance guide's and the VCCI operations guide's numbers;
 * a service overrides any of them in the ops config.
 */
export const thresholdsSchema = z
  .object({
    /** Error rate (fraction of requests) above which the check warns. Guide: > 1 %. */
    errorRate: z.number().min(0).max(1).default(0.01),
    /** p95 latency in seconds above which the check warns. THERMALIQ: 20 s; VCCI SLO: 0.5 s. */
    p95LatencySeconds: z.number().positive().default(20),
    /** p99 latency in seconds above which perf and the monthly audit warn; unset, p99 is only reported. VCCI: 1 s. */
    p99LatencySeconds: z.number().positive().optional(),
    /** Cache hit rate (fraction) below which the check warns. Guide: < 70 %. */
    cacheHitRate: z.number().min(0).max(1).default(0.7),
    /** Target database connections, percent of max_connections, above which the check warns. Guide: > 80 %. */
    dbConnectionsPercent: z.number().min(1).max(100).default(80),
    /** Age in hours of the newest backup above which the check fails. Guide: 25 h (90,000 s). */
    backupMaxAgeHours: z.number().positive().default(25),
    /** Days of certificate validity under which the check warns. Guide: 30 days. */
    certificateMinDays: z.number().int().positive().default(30),
    /** Days of certificate validity under which the check fails outright. */
    certificateCriticalDays: z.number().int().min(0).default(7),
    /** Disk usage percent above which the check warns. Guide: > 80 %. */
    diskPercent: z.number().min(1).max(100).default(80),
    /** ERROR log lines in 24 h above which the check warns. Guide: > 1,000. */
    errorsPer24h: z.number().int().nonnegative().default(1000),
    /** Container restarts above which the pod check warns. */
    podRestarts: z.number().int().nonnegative().default(5),
    /** Redis mem_fragmentation_ratio above which the cache check warns (the guide purges above 1.5). */
    cacheFragmentationRatio: z.number().positive().default(1.5),
    /** Redis used memory, percent of maxmemory, above which the cache check warns. */
    cacheMemoryPercent: z.number().min(1).max(100).default(90),
  })
  .strict();

/** Resolved thresholds for one service. */
export type Thresholds = z.infer<typeof thresholdsSchema>;

/** The guides' defaults, with nothing overridden. */
export const defaultThresholds: Thresholds = thresholdsSchema.parse({});
