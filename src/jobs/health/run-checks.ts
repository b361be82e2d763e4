import { messageOf } from '../../errors.js';
import type { CheckContext, CheckResult, CheckStatus, HealthCheck } from './check.js';
import { worstStatus } from './checks/severity.js';

/** How a run of checks is bounded and observed. */
export interface RunChecksOptions {
  /** Each check's own deadline. */
  timeoutMs: number;
  /** Cancels the whole run. */
  signal?: AbortSignal;
  /** Called as each check finishes, in finishing order; a throw here does not affect the run. */
  onResult?: (result: CheckResult) => void;
}

function firstLine(message: string): string {
  return message.split('\n', 1)[0]?.trim() || 'unknown error';
}

async function runOne(
  check: HealthCheck,
  ctxBase: Omit<CheckContext, 'signal'>,
  opts: RunChecksOptions,
): Promise<CheckResult> {
  const { id, title } = check;
  const timeout = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  const stopped = (): CheckResult =>
    opts.signal?.aborted
      ? { id, title, status: 'error', summary: 'cancelled' }
      : { id, title, status: 'error', summary: `timed out after ${opts.timeoutMs} ms` };
  if (signal.aborted) return stopped();
  let onAbort: (() => void) | undefined;
  // A check that ignores its signal still ends at the deadline: the run never waits on it.
  const deadline = new Promise<'stopped'>((resolve) => {
    onAbort = () => resolve('stopped');
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const work = check.run({ ...ctxBase, signal });
    // Whatever the check does after the deadline, nobody waits for it.
    work.catch(() => {});
    const outcome = await Promise.race([work, deadline]);
    if (outcome === 'stopped') return stopped();
    return { id, title, ...outcome };
  } catch (err) {
    if (signal.aborted) return stopped();
    return { id, title, status: 'error', summary: firstLine(messageOf(err)) };
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

/**
 * Runs every check at once, each under its own timeout, and resolves with one result per check in the checks'
 * order. It never rejects: a timeout, a cancel or an exception becomes that check's `error` result.
 */
export async function runHealthChecks(
  checks: readonly HealthCheck[],
  ctxBase: Omit<CheckContext, 'signal'>,
  opts: RunChecksOptions,
): Promise<CheckResult[]> {
  return Promise.all(
    checks.map(async (check) => {
      const result = await runOne(check, ctxBase, opts);
      try {
        opts.onResult?.(result);
      } catch {
        // Progress reporting failing must not lose the results; the caller reports them at the end anyway.
      }
      return result;
    }),
  );
}

/** The run's status: fail, else error, else warn, else ok; `skipped` only when every check was skipped. */
export function overallStatus(results: readonly Pick<CheckResult, 'status'>[]): CheckStatus {
  return worstStatus(results.map((r) => r.status));
}
