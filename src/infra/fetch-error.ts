import { messageOf } from '../errors.js';

/** Names the network cause of a failed fetch (ECONNREFUSED, ENOTFOUND, a TLS error) instead of "fetch failed". */
export function describeFetchError(err: unknown): string {
  if (err instanceof Error && err.cause !== undefined) {
    const cause = err.cause;
    if (cause instanceof AggregateError && cause.errors.length > 0) return messageOf(cause.errors[0]);
    if (cause instanceof Error) return cause.message;
    return String(cause);
  }
  return messageOf(err);
}
