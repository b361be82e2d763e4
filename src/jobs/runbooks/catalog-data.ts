import type { Runbook } from '../runbook.js';
import { backupVerifyRunbook } from './backup-verify.js';
import { backupsListRunbook } from './backups-list.js';
import { cachePurgeRunbook } from './cache-purge.js';
import { cacheSetTtlRunbook } from './cache-set-ttl.js';
import { cacheStatsRunbook } from './cache-stats.js';
import { cacheTtlAuditRunbook } from './cache-ttl-audit.js';
import { dbAnalyzeRunbook } from './db-analyze.js';
import { dbIndexesRunbook } from './db-indexes.js';
import { dbPartitionsRunbook } from './db-partitions.js';
import { dbReindexRunbook } from './db-reindex.js';
import { dbSettingsRunbook } from './db-settings.js';
import { dbSlowQueriesRunbook } from './db-slow-queries.js';
import { dbStatsRunbook } from './db-stats.js';
import { dbVacuumRunbook } from './db-vacuum.js';
import { dbVacuumFullRunbook } from './db-vacuum-full.js';

/** The backup, database and cache runbooks of the maintenance catalog, for the registry. */
export const dataRunbooks: Runbook<unknown>[] = [
  backupsListRunbook,
  backupVerifyRunbook,
  dbStatsRunbook,
  dbIndexesRunbook,
  dbSlowQueriesRunbook,
  dbSettingsRunbook,
  dbAnalyzeRunbook,
  dbVacuumRunbook,
  dbReindexRunbook,
  dbVacuumFullRunbook,
  dbPartitionsRunbook,
  cacheStatsRunbook,
  cacheTtlAuditRunbook,
  cacheSetTtlRunbook,
  cachePurgeRunbook,
];
