import type { FetchFunction } from '@slack/web-api';
import type { Metrics } from './metrics.js';

/** Slack method names look like `chat.postMessage`; anything else (a file upload URL) is counted as `upload`. */
const methodName = /^[a-z]+(\.[A-Za-z]+)+$/;

function methodOf(url: string | URL): string {
  const path = (typeof url === 'string' ? new URL(url) : url).pathname;
  const last = path.slice(path.lastIndexOf('/') + 1);
  return methodName.test(last) ? last : 'upload';
}

/** Slack's error code from an `ok: false` body, or undefined when the call succeeded (or the body is not JSON). */
async function platformError(response: Response): Promise<string | undefined> {
  if (!(response.headers.get('content-type') ?? '').includes('json')) return undefined;
  try {
    const body: unknown = await response.clone().json();
    if (typeof body !== 'object' || body === null || !('ok' in body) || body.ok !== false) return undefined;
    return 'error' in body && typeof body.error === 'string' ? body.error : 'unknown';
  } catch {
    return undefined;
  }
}

/**
 * A `fetch` for WebClient's `fetch` option that counts every Slack Web API call, its errors and its 429s. It sits
 * below WebClient, so every call is seen, whoever makes it (outbox, user-group lookups, file uploads), and each
 * retry is counted as the separate call it is. The response is passed through untouched.
 */
export function measuredSlackFetch(
  metrics: Pick<Metrics, 'slackCall'>,
  base: typeof globalThis.fetch = globalThis.fetch,
): FetchFunction {
  return async (url, init) => {
    const method = methodOf(url);
    let response: Response;
    try {
      response = await base(url, init);
    } catch (err) {
      metrics.slackCall(method, 'error', 'network');
      throw err;
    }
    if (response.status === 429) metrics.slackCall(method, 'rate_limited');
    else if (response.status !== 200) metrics.slackCall(method, 'error', `http_${response.status}`);
    else {
      const error = await platformError(response);
      if (error === 'ratelimited') metrics.slackCall(method, 'rate_limited');
      else metrics.slackCall(method, error === undefined ? 'ok' : 'error', error);
    }
    return response;
  };
}
