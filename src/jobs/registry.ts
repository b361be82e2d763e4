import type { Runbook } from './runbook.js';
import { backupNowRunbook } from './runbooks/backup/backup-now.js';
import { backupPruneRunbook } from './runbooks/backup/backup-prune.js';
import { dataRunbooks } from './runbooks/catalog-data.js';
import { digestRunbooks } from './runbooks/catalog-digests.js';
import { opsRunbooks } from './runbooks/catalog-ops.js';
import { releaseRunbooks } from './runbooks/catalog-release.js';
import { securityRunbooks } from './runbooks/catalog-security.js';
import { healthRunbook } from './runbooks/monitor/health.js';
import { restoreRunbook } from './runbooks/restore/restore.js';
import { restoreCleanupRunbook, restoreDatabasesRunbook } from './runbooks/restore/restore-kept.js';
import { restoreRollbackRunbook, restoreScaleUpRunbook } from './runbooks/restore/restore-recovery.js';

/** Every runbook the bot knows, by command name. Multi-word commands (e.g. `backup now`) use a space. */
export const runbooks: ReadonlyMap<string, Runbook<unknown>> = new Map<string, Runbook<unknown>>([
  [healthRunbook.name, healthRunbook],
  [restoreRunbook.name, restoreRunbook],
  [restoreRollbackRunbook.name, restoreRollbackRunbook as Runbook<unknown>],
  [restoreScaleUpRunbook.name, restoreScaleUpRunbook as Runbook<unknown>],
  [restoreDatabasesRunbook.name, restoreDatabasesRunbook as Runbook<unknown>],
  [restoreCleanupRunbook.name, restoreCleanupRunbook as Runbook<unknown>],
  [backupNowRunbook.name, backupNowRunbook],
  [backupPruneRunbook.name, backupPruneRunbook],
  ...dataRunbooks.map((rb): [string, Runbook<unknown>] => [rb.name, rb]),
  ...opsRunbooks.map((rb): [string, Runbook<unknown>] => [rb.name, rb]),
  ...digestRunbooks.map((rb): [string, Runbook<unknown>] => [rb.name, rb]),
  ...securityRunbooks.map((rb): [string, Runbook<unknown>] => [rb.name, rb]),
  ...releaseRunbooks.map((rb): [string, Runbook<unknown>] => [rb.name, rb]),
]);
