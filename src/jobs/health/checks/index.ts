import type { HealthCheck } from '../check.js';
import { apiHealthCheck } from './api-health.js';
import { backupAgeCheck } from './backup-age.js';
import { cacheHitRateCheck } from './cache-hit-rate.js';
import { certificatesCheck } from './certificates.js';
import { dbConnectionsCheck } from './db-connections.js';
import { diskCheck } from './disk.js';
import { errorLogsCheck } from './error-logs.js';
import { errorRateCheck } from './error-rate.js';
import { nodesCheck } from './nodes.js';
import { p95LatencyCheck } from './p95-latency.js';
import { podsCheck } from './pods.js';
import { redisCheck } from './redis.js';
import { resourcesCheck } from './resources.js';

/**
 * The daily health checks in the guides' order: THERMALIQ's eight in its sequence, with VCCI's extra checks where
 * VCCI places them (nodes before pods; Redis after the database; disk, certificates, errors, then backups).
 */
export const healthChecks: readonly HealthCheck[] = [
  nodesCheck,
  podsCheck,
  apiHealthCheck,
  errorRateCheck,
  p95LatencyCheck,
  resourcesCheck,
  dbConnectionsCheck,
  cacheHitRateCheck,
  redisCheck,
  diskCheck,
  certificatesCheck,
  errorLogsCheck,
  backupAgeCheck,
];
