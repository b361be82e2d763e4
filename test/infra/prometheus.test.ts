import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPrometheusClient } from '../../src/infra/prometheus.js';
import { resolveQueries } from '../../src/infra/prometheus-queries.js';
import { type FakePrometheus, startFakePrometheus } from '../support/fake-prometheus.js';
import { closedPort } from '../support/services.js';

const queries = resolveQueries({ queries: {}, perf: {} }, 'thermaliq');

describe('PrometheusClient against the fake Prometheus', () => {
  let prom: FakePrometheus;

  beforeAll(async () => {
    prom = await startFakePrometheus();
  });
  afterEach(() => prom.clear());
  afterAll(() => prom.close());

  it('returns the first sample of an instant vector', async () => {
    prom.respond('errors_total', 0.0183);
    const client = createPrometheusClient(prom.url, queries);
    expect(await client.query(queries.errorRate)).toBeCloseTo(0.0183, 10);
    expect(prom.queries.at(-1)).toBe(queries.errorRate);
  });

  it('returns undefined for an empty result and for NaN', async () => {
    const client = createPrometheusClient(prom.url, queries);
    prom.respond('empty_metric', null);
    prom.respond('nan_metric', Number.NaN);
    expect(await client.query('empty_metric')).toBeUndefined();
    expect(await client.query('nan_metric')).toBeUndefined();
  });

  it('throws the error envelope with its errorType', async () => {
    prom.failWith('broken(', 400, 'bad_data', 'parse error at char 8: unclosed left parenthesis');
    const client = createPrometheusClient(`${prom.url}/`, queries);
    await expect(client.query('broken(')).rejects.toThrow(
      'Prometheus query failed (bad_data): parse error at char 8: unclosed left parenthesis',
    );
  });

  it('returns a range as [unix seconds, value] pairs', async () => {
    prom.respond('latency', {
      series: [
        [1_700_000_000, 0.5],
        [1_700_000_060, Number.NaN],
        [1_700_000_120, 0.75],
      ],
    });
    const client = createPrometheusClient(prom.url, queries);
    const points = await client.queryRange('latency', new Date(1_700_000_000_000), new Date(1_700_000_120_000), 60);
    expect(points).toEqual([
      [1_700_000_000, 0.5],
      [1_700_000_120, 0.75],
    ]);
  });

  it('stops at its own timeout when Prometheus is slow', async () => {
    prom.latencyMs = 1_000;
    try {
      prom.respond('slow', 1);
      const client = createPrometheusClient(prom.url, queries, { timeoutMs: 100 });
      await expect(client.query('slow')).rejects.toThrow(/did not answer within 100 ms/);
    } finally {
      prom.latencyMs = 0;
    }
  });

  it('names the network cause when unreachable', async () => {
    const port = await closedPort();
    const client = createPrometheusClient(`http://127.0.0.1:${port}`, queries);
    await expect(client.query('up')).rejects.toThrow(
      /Prometheus at http:\/\/127\.0\.0\.1:\d+ is unreachable: .*ECONNREFUSED/,
    );
  });
});

describe('resolveQueries', () => {
  it("uses the guide's queries with the service key as metric prefix", () => {
    const q = resolveQueries({ queries: {}, perf: {} }, 'gl-vcci');
    expect(q.errorRate).toBe(
      'sum(rate(gl_vcci_calculation_errors_total[24h])) / sum(rate(gl_vcci_calculation_requests_total[24h]))',
    );
    expect(q.p95Latency).toContain(
      'histogram_quantile(0.95, sum by (le) (rate(gl_vcci_calculation_duration_seconds_bucket[24h])))',
    );
    expect(q.cacheHitRate).toContain('gl_vcci_cache_hits_total');
    expect(q.diskUsagePercent).toBeUndefined();
  });

  it('lets the config override a query, still substituting {service}', () => {
    const q = resolveQueries(
      { perf: {}, queries: { p95Latency: 'my_p95{job="{service}"}', diskUsagePercent: 'disk_pct' } },
      'vcci',
    );
    expect(q.p95Latency).toBe('my_p95{job="vcci"}');
    expect(q.diskUsagePercent).toBe('disk_pct');
    expect(q.errorRate).toContain('vcci_calculation_errors_total');
  });
});
