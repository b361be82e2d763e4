import { WebAPIHTTPError, WebAPIPlatformError, WebAPIRateLimitedError, WebAPIRequestError } from '@slack/web-api';

/** What to do after a failed Slack Web API call. */
export type CallFailure =
  | { kind: 'rate_limited'; retryAfterMs: number }
  | { kind: 'transient'; reason: string }
  | { kind: 'permanent'; reason: string };

/** Slack `error` codes that a later retry can succeed on. */
const transientPlatformErrors = new Set([
  'internal_error',
  'fatal_error',
  'request_timeout',
  'service_unavailable',
  'ratelimited',
  'team_added_to_org',
]);

/** Classifies a WebClient error: honour 429s, retry transient faults, give up on the rest. */
export function classifySlackError(err: unknown): CallFailure {
  if (err instanceof WebAPIRateLimitedError)
    return { kind: 'rate_limited', retryAfterMs: Math.max(1, err.retryAfter) * 1000 };
  if (err instanceof WebAPIPlatformError) {
    const code = err.data.error;
    return transientPlatformErrors.has(code)
      ? { kind: 'transient', reason: code }
      : { kind: 'permanent', reason: code };
  }
  if (err instanceof WebAPIHTTPError) {
    return err.statusCode >= 500
      ? { kind: 'transient', reason: `HTTP ${err.statusCode}` }
      : { kind: 'permanent', reason: `HTTP ${err.statusCode}` };
  }
  if (err instanceof WebAPIRequestError) return { kind: 'transient', reason: err.original.message };
  return { kind: 'transient', reason: err instanceof Error ? err.message : String(err) };
}
