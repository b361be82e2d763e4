import type { Runbook } from '../runbook.js';

/**
 * Releases, disaster-recovery drills, capacity planning and tuning, for the registry: Argo Rollouts, `dr drill`,
 * `capacity`, `tune db|cache|workers` and `logs prune`.
 */
export const releaseRunbooks: Runbook<unknown>[] = [];
