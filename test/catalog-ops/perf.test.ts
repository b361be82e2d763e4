import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/jobs/report.js';
import type { RunTarget } from '../../src/jobs/runbook.js';
import { perfRunbook } from '../../src/jobs/runbooks/monitor/perf.js';
import { latencyTrend } from '../../src/jobs/runbooks/monitor/perf-trend.js';
import { paramsOf, runContext, runSteps } from '../runbooks/run-context.js';
import { createOpsWorld, type OpsWorld } from './ops-world.js';

let ops: OpsWorld;
let runs = 0;

async function perf(
  flags: Record<string, string | true> = {},
  adjust?: (t: RunTarget) => RunTarget,
): Promise<RunReport> {
  const ctx = runContext(ops.world, `r-perf-${++runs}`, adjust);
  try {
    const params = paramsOf(perfRunbook, [], flags);
    const { outputs } = await runSteps(perfRunbook, ctx, params);
    return perfRunbook.report(ctx.target, params, outputs);
  } finally {
    await ctx.infra.close();
  }
}

const thresholds =
  (extra: Record<string, number>) =>
  (t: RunTarget): RunTarget => ({ ...t, thresholds: Object.assign({}, t.thresholds, extra) });

beforeAll(async () => {
  ops = await createOpsWorld();
  const { prom } = ops.world;
  // The world already answers the error ratio (0.002) and the p95 (3.2 s).
  prom.respond(/^sum\(rate\(thermaliq_calculation_requests_total\[(24h|7d)\]\)\)$/, 12.5);
  prom.respond('histogram_quantile(0.5,', 0.8);
  prom.respond('histogram_quantile(0.99,', 9.5);
  const hour = 3600;
  const start = Math.floor(Date.now() / 1000) - 7 * 24 * hour;
  const series: Array<[number, number]> = Array.from({ length: 24 }, (_, i) => [start + i * hour, 3 + (i % 3) * 0.1]);
  series.push([start + 24 * hour, 15]);
  prom.respond(/histogram_quantile\(0\.95,.*\[1h\]\)/, { series });
});
afterAll(() => ops.close());

describe('perf', () => {
  it('reports throughput, success rate and p50/p95/p99 against the SLOs, with the p95 trend', async () => {
    const since = ops.world.prom.queries.length;
    const r = await perf({ window: '7d' });
    expect(r.status).toBe('ok');
    expect(r.headline).toBe(
      'Performance of GL-009 THERMALIQ (production), last 7d: 12.5 req/s (≈ 7,560,000 requests), success 99.8 %, p95 3.2 s (SLO 20 s)',
    );
    expect(r.items).toEqual([
      expect.objectContaining({ id: 'throughput', status: 'ok', value: '12.5 req/s (≈ 7,560,000 requests)' }),
      expect.objectContaining({ id: 'success', status: 'ok', value: '99.8 %', threshold: '≥ 99 % (errors ≤ 1 %)' }),
      expect.objectContaining({ id: 'p50', status: 'ok', value: '800 ms' }),
      expect.objectContaining({ id: 'p95', status: 'ok', value: '3.2 s', threshold: '≤ 20 s' }),
      expect.objectContaining({ id: 'p99', status: 'ok', value: '9.5 s', summary: 'no p99 SLO configured' }),
      expect.objectContaining({
        id: 'trend',
        title: 'p95 trend (1h windows)',
        summary: '1 of 25 points above mean + 2σ',
      }),
    ]);
    expect(r.details[0]?.lines).toEqual([expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d UTC: 15 s$/)]);
    expect(ops.world.prom.queries.slice(since)).toEqual(
      expect.arrayContaining([
        'sum(rate(thermaliq_calculation_requests_total[7d]))',
        'sum(rate(thermaliq_calculation_errors_total[7d])) / sum(rate(thermaliq_calculation_requests_total[7d]))',
        'histogram_quantile(0.99, sum by (le) (rate(thermaliq_calculation_duration_seconds_bucket[7d])))',
      ]),
    );
  });

  it('warns when p95, p99 or the error rate break their thresholds', async () => {
    const r = await perf({}, thresholds({ p95LatencySeconds: 2, p99LatencySeconds: 5, errorRate: 0.001 }));
    expect(r.status).toBe('warn');
    expect(r.items.filter((i) => i.status === 'warn').map((i) => [i.id, i.threshold])).toEqual([
      ['success', '≥ 99.9 % (errors ≤ 0.1 %)'],
      ['p95', '≤ 2 s'],
      ['p99', '≤ 5 s'],
    ]);
  });

  it('shows a failing query as an error item and keeps the others', async () => {
    ops.world.prom.failWith(
      'histogram_quantile(0.99,',
      422,
      'execution',
      'query processing would load too many samples',
    );
    try {
      const r = await perf();
      expect(r.status).toBe('error');
      expect(r.items.find((i) => i.id === 'p99')).toMatchObject({
        status: 'error',
        summary: 'Prometheus query failed (execution): query processing would load too many samples',
      });
      expect(r.items.find((i) => i.id === 'p95')).toMatchObject({ status: 'ok', value: '3.2 s' });
    } finally {
      ops.world.prom.clear();
    }
  });

  it('refuses a window other than 24h, 7d or 30d, and an environment without Prometheus', async () => {
    const parsed = perfRunbook.params.safeParse(perfRunbook.parseArgs([], { window: '1y' }));
    expect(parsed.error?.issues.map((i) => i.message)).toEqual(['expected --window 24h, 7d or 30d, not "1y"']);
    expect(paramsOf(perfRunbook, [])).toEqual({ window: '24h' });
    const ctx = runContext(ops.world, 'r-perf-none', (t) => ({ ...t, env: { ...t.env, prometheus: undefined } }));
    try {
      await expect(perfRunbook.validate?.(ctx, { window: '24h' })).rejects.toThrow(
        'Prometheus is not configured for production: set services.thermaliq.environments.production.prometheus.url.',
      );
    } finally {
      await ctx.infra.close();
    }
  });
});

describe('latency trend', () => {
  it('computes mean, median, max and the points above mean + 2σ (sample deviation)', () => {
    const t = latencyTrend([
      [1, 1],
      [2, 2],
      [3, 3],
      [4, 4],
      [5, 100],
    ]);
    expect(t).toMatchObject({ points: 5, mean: 22, median: 3, max: 100 });
    // σ ≈ 43.6, so the limit is ≈ 109: nothing is an anomaly with only five points.
    expect(t?.anomalies).toEqual([]);
    expect(latencyTrend([])).toBeUndefined();
  });
});
