import type { Runbook } from '../runbook.js';
import { tuneCacheRunbook } from './cache/tune-cache.js';
import { tuneDbRunbook } from './db/tune-db.js';
import { tuneWorkersRunbook } from './k8s/tune-workers.js';
import { logsPruneRunbook } from './monitor/logs-prune.js';
import { capacityRunbook } from './release/capacity.js';
import { drDrillRunbook } from './release/dr-drill.js';
import { rolloutAbortRunbook } from './release/rollout-abort.js';
import { rolloutPromoteRunbook } from './release/rollout-promote.js';
import { rolloutStatusRunbook } from './release/rollout-status.js';
import { rolloutUndoRunbook } from './release/rollout-undo.js';

/**
 * Releases, disaster-recovery drills, capacity planning and tuning, for the registry: Argo Rollouts, `dr drill`,
 * `capacity`, `tune db|cache|workers` and `logs prune`.
 */
export const releaseRunbooks: Runbook<unknown>[] = [
  capacityRunbook,
  drDrillRunbook,
  tuneDbRunbook as Runbook<unknown>,
  tuneCacheRunbook as Runbook<unknown>,
  tuneWorkersRunbook as Runbook<unknown>,
  logsPruneRunbook as Runbook<unknown>,
  rolloutStatusRunbook as Runbook<unknown>,
  rolloutPromoteRunbook as Runbook<unknown>,
  rolloutAbortRunbook as Runbook<unknown>,
  rolloutUndoRunbook as Runbook<unknown>,
];
