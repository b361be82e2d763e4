import type { CheckContext } from '../../health/check.js';
import type { CheckOutcome } from '../../health/checks/outcome.js';
import { queryForCheck } from '../../health/checks/prometheus-value.js';
import type { RunTarget } from '../../runbook.js';
import { type DigestQueries, digestQueries } from './digest-queries.js';

/**
 * The value of one digest query, or the section outcome to report instead: Prometheus not configured (skipped),
 * unreachable or failing (error), or no data (error), exactly as the health checks report them.
 */
export function digestValue(
  ctx: CheckContext,
  target: RunTarget,
  pick: (queries: DigestQueries) => string,
): Promise<{ value: number; promql: string } | { outcome: CheckOutcome }> {
  return queryForCheck(ctx, () => pick(digestQueries(target)), 'digest');
}
