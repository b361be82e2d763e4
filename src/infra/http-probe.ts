import { OutsideAnswer } from '../errors.js';
import { withTimeout } from './abortable.js';
import { describeFetchError } from './fetch-error.js';

/** What a GET returned and how long the answer took. */
export interface ProbeResult {
  status: number;
  ms: number;
  /** The start of the body, for the report (health endpoints often say what is wrong). */
  bodySnippet: string;
}

/** The service's health endpoint. */
export interface HttpProbe {
  readonly url: string;
  /** GETs the health URL; rejects when it cannot be reached or does not answer in time. */
  probe(opts?: { signal?: AbortSignal; timeoutMs?: number }): Promise<ProbeResult>;
}

const snippetBytes = 300;

async function readSnippet(response: Response): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < snippetBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    // Stop downloading a large or endless body once we have the start.
    await reader.cancel().catch(() => {});
  }
  return Buffer.concat(chunks).subarray(0, snippetBytes).toString('utf8').replace(/\s+/g, ' ').trim();
}

/** GETs `url` and measures the answer; rejects with the network cause when unreachable or after `timeoutMs`. */
export async function probeHttp(
  url: string,
  opts: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<ProbeResult> {
  const timeoutMs = opts.timeoutMs ?? 5_000;
  const signal = withTimeout(opts.signal, timeoutMs);
  const started = performance.now();
  try {
    const response = await fetch(url, {
      signal,
      redirect: 'follow',
      headers: { 'user-agent': 'chatops-health-check' },
    });
    const ms = Math.round(performance.now() - started);
    return { status: response.status, ms, bodySnippet: await readSnippet(response) };
  } catch (err) {
    if (opts.signal?.aborted) throw opts.signal.reason;
    if (signal.aborted)
      throw new OutsideAnswer('http', `no answer from ${url} within ${timeoutMs} ms`, { code: 'timeout' });
    throw new OutsideAnswer('http', `cannot reach ${url}: ${describeFetchError(err)}`, { cause: err });
  }
}

/** A probe bound to the configured health URL. */
export function createHttpProbe(url: string): HttpProbe {
  return { url, probe: (opts) => probeHttp(url, opts) };
}
