import type { DumpFormat } from '../../../infra/pg-tools.js';

/** The folder under the backup prefix that holds the safety copies taken before a restore. */
export const preRestoreFolder = 'pre-restore/';

/** Characters kept in key parts made from names we do not control (database names, run ids). */
function keySafe(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'db';
}

/** YYYYMMDD-HHMMSS in UTC, as the VCCI guide names its backups. */
export function backupTimestamp(at: Date): string {
  const iso = at.toISOString();
  return `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}`;
}

/** `<prefix><db>-YYYYMMDD-HHMMSS.sql.gz` for plain dumps, `.dump` for custom archives (already compressed). */
export function scheduledBackupKey(prefix: string, database: string, format: DumpFormat, at: Date): string {
  const extension = format === 'plain' ? '.sql.gz' : '.dump';
  return `${prefix}${keySafe(database)}-${backupTimestamp(at)}${extension}`;
}

/**
 * The key of a restore's safety copy. It comes from the run id, not the clock, so the plan shown for approval and
 * the plan recomputed at execution name the same key, and a repeated step overwrites its own copy.
 */
export function preRestoreKey(prefix: string, runId: string): string {
  return `${prefix}${preRestoreFolder}${keySafe(runId)}.sql.gz`;
}
