import type { CheckStatus } from '../check.js';

// Worst first. `error` (could not measure) ranks above `warn`: an unknown state needs a look at least as much.
const order: readonly CheckStatus[] = ['fail', 'error', 'warn', 'ok', 'skipped'];

/** The most severe status of several; `skipped` only when every one was skipped (or there were none). */
export function worstStatus(statuses: Iterable<CheckStatus>): CheckStatus {
  let worst: CheckStatus = 'skipped';
  for (const status of statuses) {
    if (order.indexOf(status) < order.indexOf(worst)) worst = status;
  }
  return worst;
}
