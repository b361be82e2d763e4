import type { Runbook } from '../runbook.js';
import { backupVerifyRunbook } from './backup/backup-verify.js';
import { backupsListRunbook } from './backup/backups-list.js';
import { cachePurgeRunbook } from './cache/cache-purge.js';
import { cacheSetTtlRunbook } from './cache/cache-set-ttl.js';
import { cacheStatsRunbook } from './cache/cache-stats.js';
import { cacheTtlAuditRunbook } from './cache/cache-ttl-audit.js';
import { dbAnalyzeRunbook } from './db/db-analyze.js';
import { dbIndexesRunbook } from './db/db-indexes.js';
import { dbPartitionsRunbook } from './db/db-partitions.js';
import { dbReindexRunbook } from './db/db-reindex.js';
import { dbSettingsRunbook } from './db/db-settings.js';
import { dbSlowQueriesRunbook } from './db/db-slow-queries.js';
import { dbStatsRunbook } from './db/db-stats.js';
import { dbVacuumRunbook } from './db/db-vacuum.js';
import { dbVacuumFullRunbook } from './db/db-vacuum-full.js';

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
