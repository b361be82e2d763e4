/** A step ran past its timeout. Its message is safe to show. */
export class StepTimeout extends Error {
  constructor(step: string, ms: number) {
    super(`step "${step}" timed out after ${ms} ms`);
    this.name = 'StepTimeout';
  }
}

/** Races work against its timeout and an outer signal; the work gets a signal aborted by either. */
export async function withDeadline<T>(
  name: string,
  ms: number,
  outer: AbortSignal | undefined,
  fn: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const timeout = AbortSignal.timeout(ms);
  const signal = outer ? AbortSignal.any([outer, timeout]) : timeout;
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () =>
      reject(
        timeout.aborted ? new StepTimeout(name, ms) : new Error(`cancelled: ${String(outer?.reason ?? 'aborted')}`),
      );
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => {});
  try {
    return await Promise.race([fn(signal), aborted]);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}
