import type { DrConfig } from '../../../config/dr-config.js';
import { messageOf } from '../../../errors.js';
import { withTimeout } from '../../../infra/abortable.js';
import { describeFetchError } from '../../../infra/fetch-error.js';

/** What the functional probe got back. */
export interface FunctionalProbeResult {
  ok: boolean;
  status?: number;
  ms?: number;
  /** The start of the body, or why there was no answer. */
  detail: string;
}

type Probe = NonNullable<DrConfig['probe']>;

const snippetChars = 300;

/**
 * Sends the configured request to the secondary (the guide's `curl -X POST $SECONDARY_URL/calculate -d @…`) and
 * compares the status with the expected one. Never throws for the secondary's sake: an unreachable or wrong answer is
 * the drill's finding, returned as such.
 */
export async function sendFunctionalProbe(
  probe: Probe,
  signal: AbortSignal,
  timeoutMs = 30_000,
): Promise<FunctionalProbeResult> {
  const requestSignal = withTimeout(signal, timeoutMs);
  const started = performance.now();
  try {
    const response = await fetch(probe.url, {
      method: probe.method,
      signal: requestSignal,
      redirect: 'follow',
      headers: {
        'user-agent': 'chatops-dr-drill',
        ...(probe.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(probe.body === undefined ? {} : { body: probe.body }),
    });
    const text = probe.method === 'HEAD' ? '' : await response.text();
    const ms = Math.round(performance.now() - started);
    return {
      ok: response.status === probe.expectedStatus,
      status: response.status,
      ms,
      detail: text.replace(/\s+/g, ' ').trim().slice(0, snippetChars),
    };
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    const why = requestSignal.aborted ? `no answer within ${timeoutMs} ms` : describeFetchError(err) || messageOf(err);
    return { ok: false, detail: why };
  }
}
