import type { IncomingMessage, ServerResponse } from 'node:http';
import { delay, readRequestBody, sendJson, sendText, startLocalHttpServer } from './local-http-server.js';

/** One labelled sample for a multi-series instant answer. */
export interface PromSample {
  metric: Record<string, string>;
  value: number;
}

/**
 * What a matched query returns: a number (one unlabelled sample), `null` (empty result),
 * `{ series }` (points `[unixSeconds, value]`, returned verbatim by range queries; instant queries use the last point),
 * or `{ samples }` (several labelled series, each a constant value).
 */
export type PromAnswer =
  | number
  | null
  | { series: Array<[number, number]>; metric?: Record<string, string> }
  | { samples: PromSample[] };

/** A fake Prometheus HTTP API (`/api/v1/query`, `/api/v1/query_range`) on 127.0.0.1. */
export interface FakePrometheus {
  /** `http://127.0.0.1:PORT` (no trailing slash). */
  readonly url: string;
  /** Every PromQL query received, in arrival order. */
  readonly queries: string[];
  /** Delay added before every response. */
  latencyMs: number;
  /** Answers queries matching `match` (substring, or regex tested against the query); later registrations win. */
  respond(match: string | RegExp, value: PromAnswer): void;
  /** Makes matching queries fail with Prometheus' error envelope until {@link FakePrometheus.clear}. */
  failWith(match: string | RegExp, status?: number, errorType?: string, error?: string): void;
  /** Removes every answer and failure. */
  clear(): void;
  /** Stops the server. */
  close(): Promise<void>;
}

/** Formats a sample value like Prometheus (Go `strconv.FormatFloat(v, 'f', -1, 64)`; `NaN`, `+Inf`, `-Inf`). */
export function formatPromValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  const text = String(value);
  const match = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!match) return text;
  const [, sign = '', intPart = '', fracPart = '', expText = '0'] = match;
  const exponent = Number(expText);
  const digits = intPart + fracPart;
  const point = intPart.length + exponent;
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

function matches(match: string | RegExp, query: string): boolean {
  return typeof match === 'string' ? query.includes(match) : match.test(query);
}

function parseTime(value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const numeric = Number(value);
  if (Number.isFinite(numeric)) return numeric;
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? Number.NaN : parsed / 1000;
}

function parseStep(value: string | undefined): number {
  if (value === undefined) return Number.NaN;
  const numeric = Number(value);
  if (Number.isFinite(numeric)) return numeric;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)$/.exec(value);
  if (!match?.[1] || !match[2]) return Number.NaN;
  const factor: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };
  return Number(match[1]) * (factor[match[2]] ?? 1);
}

/** Starts a fake Prometheus server on 127.0.0.1 with an ephemeral port. */
export async function startFakePrometheus(): Promise<FakePrometheus> {
  const answers: Array<{ match: string | RegExp; value: PromAnswer }> = [];
  const failures: Array<{ match: string | RegExp; status: number; errorType: string; error: string }> = [];
  const queries: string[] = [];
  const state = { latencyMs: 0 };

  function badData(res: ServerResponse, error: string): void {
    sendJson(res, 400, { status: 'error', errorType: 'bad_data', error });
  }

  function instantResult(answer: PromAnswer, time: number): unknown[] {
    if (answer === null) return [];
    if (typeof answer === 'number') return [{ metric: {}, value: [time, formatPromValue(answer)] }];
    if ('samples' in answer)
      return answer.samples.map((s) => ({ metric: { ...s.metric }, value: [time, formatPromValue(s.value)] }));
    const last = answer.series.at(-1);
    return last ? [{ metric: { ...answer.metric }, value: [time, formatPromValue(last[1])] }] : [];
  }

  function rangeResult(answer: PromAnswer, start: number, end: number, step: number): unknown[] {
    if (answer === null) return [];
    const steps: number[] = [];
    for (let t = start; t <= end + 1e-9; t += step) steps.push(Math.round(t * 1000) / 1000);
    if (typeof answer === 'number') {
      return [{ metric: {}, values: steps.map((t) => [t, formatPromValue(answer)]) }];
    }
    if ('samples' in answer) {
      return answer.samples.map((s) => ({
        metric: { ...s.metric },
        values: steps.map((t) => [t, formatPromValue(s.value)]),
      }));
    }
    if (answer.series.length === 0) return [];
    return [{ metric: { ...answer.metric }, values: answer.series.map(([t, v]) => [t, formatPromValue(v)]) }];
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const params = new URLSearchParams(url.search);
    if (req.method === 'POST') {
      const body = (await readRequestBody(req)).toString('utf8');
      for (const [k, v] of new URLSearchParams(body)) params.set(k, v);
    }
    const endpoint = url.pathname;
    if (endpoint !== '/api/v1/query' && endpoint !== '/api/v1/query_range') {
      sendText(res, 404, '404 page not found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'POST') {
      sendText(res, 405, 'Method Not Allowed\n');
      return;
    }
    const query = params.get('query') ?? '';
    queries.push(query);
    await delay(state.latencyMs);
    if (query.trim() === '') {
      badData(res, 'invalid parameter "query": 1:1: parse error: no expression found in input');
      return;
    }
    const failure = failures.find((f) => matches(f.match, query));
    if (failure) {
      sendJson(res, failure.status, { status: 'error', errorType: failure.errorType, error: failure.error });
      return;
    }
    const answer = [...answers].reverse().find((a) => matches(a.match, query))?.value ?? null;
    const now = Date.now() / 1000;
    if (endpoint === '/api/v1/query') {
      const time = parseTime(params.get('time') ?? undefined, now);
      if (Number.isNaN(time)) {
        badData(res, `invalid parameter "time": cannot parse "${params.get('time') ?? ''}" to a valid timestamp`);
        return;
      }
      sendJson(res, 200, { status: 'success', data: { resultType: 'vector', result: instantResult(answer, time) } });
      return;
    }
    const start = parseTime(params.get('start') ?? undefined, Number.NaN);
    const end = parseTime(params.get('end') ?? undefined, Number.NaN);
    const step = parseStep(params.get('step') ?? undefined);
    if (Number.isNaN(start))
      return badData(
        res,
        `invalid parameter "start": cannot parse "${params.get('start') ?? ''}" to a valid timestamp`,
      );
    if (Number.isNaN(end))
      return badData(res, `invalid parameter "end": cannot parse "${params.get('end') ?? ''}" to a valid timestamp`);
    if (end < start) return badData(res, 'end timestamp must not be before start time');
    if (!(step > 0)) {
      return badData(
        res,
        'invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer',
      );
    }
    if ((end - start) / step > 11000) {
      return badData(
        res,
        'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)',
      );
    }
    sendJson(res, 200, {
      status: 'success',
      data: { resultType: 'matrix', result: rangeResult(answer, start, end, step) },
    });
  }

  const server = await startLocalHttpServer(handle);
  return {
    url: server.origin,
    queries,
    get latencyMs() {
      return state.latencyMs;
    },
    set latencyMs(ms: number) {
      state.latencyMs = ms;
    },
    respond(match, value) {
      answers.push({ match, value });
    },
    failWith(match, status = 503, errorType = 'unavailable', error = 'injected failure: Prometheus is unavailable') {
      failures.push({ match, status, errorType, error });
    },
    clear() {
      answers.length = 0;
      failures.length = 0;
    },
    close: () => server.close(),
  };
}
