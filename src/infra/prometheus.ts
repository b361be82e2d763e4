import { z } from 'zod';
import { OutsideAnswer } from '../errors.js';
import { withTimeout } from './abortable.js';
import { describeFetchError } from './fetch-error.js';
import type { PrometheusQueries } from './prometheus-queries.js';

/** An HTTP API client for one Prometheus, with the queries the checks use. */
export interface PrometheusClient {
  readonly url: string;
  readonly queries: PrometheusQueries;
  /** The first sample of an instant query; undefined when the result is empty or NaN. */
  query(promql: string, signal?: AbortSignal): Promise<number | undefined>;
  /** The first series of a range query as [unix seconds, value] pairs, NaN samples left out. */
  queryRange(
    promql: string,
    start: Date,
    end: Date,
    stepSeconds: number,
    signal?: AbortSignal,
  ): Promise<Array<[number, number]>>;
}

const sample = z.tuple([z.number(), z.string()]);
const envelope = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('success'),
    data: z.discriminatedUnion('resultType', [
      z.object({ resultType: z.literal('vector'), result: z.array(z.object({ value: sample })) }),
      z.object({ resultType: z.literal('matrix'), result: z.array(z.object({ values: z.array(sample) })) }),
      z.object({ resultType: z.literal('scalar'), result: sample }),
      z.object({ resultType: z.literal('string'), result: sample }),
    ]),
  }),
  z.object({ status: z.literal('error'), errorType: z.string().default('error'), error: z.string().default('') }),
]);
type Data = Extract<z.infer<typeof envelope>, { status: 'success' }>['data'];

// Prometheus encodes sample values as strings, including "NaN", "+Inf" and "-Inf".
function sampleValue(text: string): number | undefined {
  const value = text === '+Inf' ? Number.POSITIVE_INFINITY : text === '-Inf' ? Number.NEGATIVE_INFINITY : Number(text);
  return Number.isNaN(value) ? undefined : value;
}

/** A client for the Prometheus at `url`; each request gives up after `timeoutMs` even without a signal. */
export function createPrometheusClient(
  url: string,
  queries: PrometheusQueries,
  opts: { timeoutMs?: number } = {},
): PrometheusClient {
  const base = url.endsWith('/') ? url : `${url}/`;
  const timeoutMs = opts.timeoutMs ?? 15_000;

  async function get(path: string, params: Record<string, string>, signal: AbortSignal | undefined): Promise<Data> {
    const target = new URL(path, base);
    target.search = new URLSearchParams(params).toString();
    const requestSignal = withTimeout(signal, timeoutMs);
    let response: Response;
    let text: string;
    try {
      response = await fetch(target, { signal: requestSignal, headers: { accept: 'application/json' } });
      text = await response.text();
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      if (requestSignal.aborted) {
        throw new OutsideAnswer('prometheus', `Prometheus at ${url} did not answer within ${timeoutMs} ms`, {
          code: 'timeout',
        });
      }
      throw new OutsideAnswer('prometheus', `Prometheus at ${url} is unreachable: ${describeFetchError(err)}`, {
        cause: err,
      });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new OutsideAnswer(
        'prometheus',
        `Prometheus answered HTTP ${response.status} with no JSON: ${text.slice(0, 200)}`,
        { code: String(response.status) },
      );
    }
    const parsed = envelope.safeParse(json);
    if (!parsed.success) {
      throw new OutsideAnswer(
        'prometheus',
        `Prometheus answered HTTP ${response.status} with an unexpected body: ${text.slice(0, 200)}`,
        { code: String(response.status) },
      );
    }
    if (parsed.data.status === 'error') {
      throw new OutsideAnswer(
        'prometheus',
        `Prometheus query failed (${parsed.data.errorType}): ${parsed.data.error}`,
        {
          code: parsed.data.errorType,
        },
      );
    }
    return parsed.data.data;
  }

  return {
    url,
    queries,
    async query(promql, signal) {
      const data = await get('api/v1/query', { query: promql }, signal);
      switch (data.resultType) {
        case 'vector': {
          const first = data.result[0];
          return first ? sampleValue(first.value[1]) : undefined;
        }
        case 'scalar':
          return sampleValue(data.result[1]);
        default:
          throw new Error(`Prometheus returned a ${data.resultType} for an instant query; expected a vector`);
      }
    },
    async queryRange(promql, start, end, stepSeconds, signal) {
      const data = await get(
        'api/v1/query_range',
        {
          query: promql,
          start: String(start.getTime() / 1000),
          end: String(end.getTime() / 1000),
          step: String(stepSeconds),
        },
        signal,
      );
      if (data.resultType !== 'matrix') {
        throw new Error(`Prometheus returned a ${data.resultType} for a range query; expected a matrix`);
      }
      const points: Array<[number, number]> = [];
      for (const [at, text] of data.result[0]?.values ?? []) {
        const value = sampleValue(text);
        if (value !== undefined) points.push([at, value]);
      }
      return points;
    },
  };
}
