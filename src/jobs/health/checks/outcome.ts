import { messageOf } from '../../../errors.js';
import type { CheckContext, CheckResult } from '../check.js';

/** What a check returns: a result without its id and title. */
export type CheckOutcome = Omit<CheckResult, 'id' | 'title'>;

/** `skipped`, with a hint naming the ops-config key that would enable the check. */
export function notConfigured(ctx: CheckContext, key: string, what: string): CheckOutcome {
  return {
    status: 'skipped',
    summary: `${what} not configured: set services.${ctx.serviceKey}.environments.${ctx.environment}.${key}`,
  };
}

/** `skipped` for a check that needs the cluster, naming the exact keys that keep it from being reached. */
export function kubeNotConfigured(ctx: CheckContext): CheckOutcome {
  return notConfigured(ctx, ctx.infra.kubeMissing ?? 'kubernetes', 'Kubernetes');
}

/**
 * `error` for a target that could not be measured (unreachable, refused, answered an error). An abort is
 * rethrown, so the runner reports it as the timeout or cancel it is.
 */
export function notMeasured(ctx: CheckContext, err: unknown): CheckOutcome {
  if (ctx.signal.aborted) throw ctx.signal.reason;
  return { status: 'error', summary: firstLine(messageOf(err)) };
}

/** The first line of a message, trimmed to what fits a summary line. */
export function firstLine(message: string, max = 300): string {
  const line = message.split('\n', 1)[0]?.trim() ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
