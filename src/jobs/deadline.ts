import { UserError } from '../errors.js';

/** A step ran past its timeout. Its message is safe to show. */
export class StepTimeout extends Error {
  constructor(step: string, ms: number) {
    super(`step "${step}" timed out after ${ms} ms`);
    this.name = 'StepTimeout';
  }
}

/** How long a timed-out step gets to explain itself (a UserError with rollback advice beats a bare timeout). */
const explainGraceMs = 1000;

/** Races work against its timeout and an outer signal; the work gets a signal aborted by either. */
export async function withDeadline<T>(
  name: string,
  ms: number,
  outer: AbortSignal | undefined,
  fn: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const timeout = AbortSignal.timeout(ms);
  const signal = outer ? AbortSignal.any([outer, timeout]) : timeout;
  const work = fn(signal);
  work.catch(() => {});
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => {
      if (!timeout.aborted) {
        reject(new Error(`cancelled: ${String(outer?.reason ?? 'aborted')}`));
        return;
      }
      const grace = new Promise<never>((_r, rej) => setTimeout(() => rej(new StepTimeout(name, ms)), explainGraceMs));
      Promise.race([work, grace]).then(
        () => reject(new StepTimeout(name, ms)),
        (err: unknown) => reject(err instanceof UserError ? err : new StepTimeout(name, ms)),
      );
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => {});
  try {
    return await Promise.race([work, aborted]);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}
