import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunbookContext, RunTarget } from '../../src/jobs/runbook.js';
import { digestMonthlyRunbook } from '../../src/jobs/runbooks/digest/digest-monthly.js';
import { createWorld, type World } from '../helpers/world.js';
import { runContext, runSteps } from '../runbooks/run-context.js';

const q = {
  throughput: /^sum\(rate\(thermaliq_calculation_requests_total\[30d\]\)\)$/,
  success: /^1 - \(sum\(rate\(thermaliq_calculation_errors_total\[30d\]\)\)/,
  p50: /^histogram_quantile\(0\.5, .*\[30d\]/,
  p95: /^histogram_quantile\(0\.95, .*\[30d\]/,
  p99: /^histogram_quantile\(0\.99, .*\[30d\]/,
  cpuUsage: 'container_cpu_usage_seconds_total{namespace="gl-009-production",pod=~"thermaliq-.*",container!=""}[30d]',
  cpuRequests: 'kube_pod_container_resource_requests{resource="cpu",namespace="gl-009-production",pod=~"thermaliq-.*"}',
};

/** A target whose environment carries a `cost` block, as the proposed ops-config schema would parse it. */
function withCost(cost: unknown): (t: RunTarget) => RunTarget {
  return (t) => ({ ...t, env: Object.assign({}, t.env, { cost }) });
}

describe('digest monthly', () => {
  let world: World;
  const contexts: RunbookContext[] = [];

  beforeAll(async () => {
    world = await createWorld();
  });
  afterAll(async () => {
    for (const c of contexts) await c.infra.close();
    await world.close();
  });
  beforeEach(() => {
    world.prom.clear();
    world.prom.respond(q.throughput, 12.5);
    world.prom.respond(q.success, 0.9995);
    world.prom.respond(q.p50, 0.8);
    world.prom.respond(q.p95, 4.1);
    world.prom.respond(q.p99, 9);
    world.prom.respond(q.cpuUsage, 0.6);
    world.prom.respond(q.cpuRequests, 1);
  });

  async function audit(runId: string, adjust?: (t: RunTarget) => RunTarget) {
    const ctx = runContext(world, runId, adjust);
    contexts.push(ctx);
    const { outputs } = await runSteps(digestMonthlyRunbook, ctx, {});
    return digestMonthlyRunbook.report(ctx.target, {}, outputs);
  }

  it('on a healthy target: throughput, success rate and percentiles within the SLOs, CPU use and cost', async () => {
    const report = await audit('r-monthly-ok');
    expect(report.status).toBe('ok');
    expect(report.headline).toBe('Monthly audit of GL-009 THERMALIQ (production): 7 ok');
    expect(report.items.map((i) => [i.id, i.status, i.value])).toEqual([
      ['throughput-30d', 'ok', '12.5 req/s (≈ 32,400,000 requests)'],
      ['success-rate-30d', 'ok', '99.95 %'],
      ['p50-latency-30d', 'ok', '800 ms'],
      ['p95-latency-30d', 'ok', '4.1 s'],
      ['p99-latency-30d', 'ok', '9 s'],
      ['cpu-usage-30d', 'ok', '600m CPU (60 % of 1 requested)'],
      ['compute-cost', 'ok', '≈ $36.00'],
    ]);
    const byId = new Map(report.items.map((i) => [i.id, i]));
    expect(byId.get('success-rate-30d')?.threshold).toBe('SLO ≥ 99 %; < 95 % fails');
    expect(byId.get('p95-latency-30d')?.threshold).toBe('SLO < 20 s');
    expect(byId.get('p99-latency-30d')).toMatchObject({
      threshold: undefined,
      summary: 'p99 latency 9 s (no SLO: set thresholds.p99LatencySeconds)',
    });
    // No price configured: the guide's $0.05 per CPU-hour, and a hint naming the setting.
    expect(byId.get('compute-cost')?.summary).toBe(
      '≈ $36.00 for 30 days: 720 CPU-hours × $0.05/CPU-hour; set services.thermaliq.environments.production.cost.podHourUsd to price pod-hours',
    );
    const cost = report.details.find((d) => d.title.startsWith('Compute cost'));
    expect(cost?.lines).toEqual(['2 pods × 720 h = 1,440 pod-hours', '1 CPU requested × 720 h = 720 CPU-hours']);
  });

  it('prices pod-hours when cost.podHourUsd is configured', async () => {
    const report = await audit('r-monthly-pod-price', withCost({ podHourUsd: 0.04 }));
    expect(report.items.find((i) => i.id === 'compute-cost')).toMatchObject({
      status: 'ok',
      value: '≈ $57.60',
      summary: '≈ $57.60 for 30 days: 1,440 pod-hours × $0.04/pod-hour',
    });
  });

  it('says to set cost.podHourUsd when nothing can be priced, and notes an invalid cost block', async () => {
    world.prom.respond(q.cpuRequests, null);
    const report = await audit('r-monthly-no-price', withCost({ podHourUsd: 'cheap' }));
    const cost = report.items.find((i) => i.id === 'compute-cost');
    expect(cost).toMatchObject({
      status: 'skipped',
      value: '1,440 pod-hours',
      summary: 'No cost estimate: set services.thermaliq.environments.production.cost.podHourUsd',
    });
    expect(report.details.find((d) => d.title.startsWith('Compute cost'))?.lines).toContain(
      'cost is set but not valid (expected positive numbers)',
    );
    // A skipped estimate is not a problem to post about.
    expect(report.status).toBe('ok');
  });

  it('fails a success rate far below the SLO and warns on a p95 above its SLO', async () => {
    world.prom.respond(q.success, 0.9);
    world.prom.respond(q.p95, 25);
    world.prom.respond(q.p99, 61);
    const report = await audit('r-monthly-bad');
    const byId = new Map(report.items.map((i) => [i.id, i]));
    expect(byId.get('success-rate-30d')).toMatchObject({ status: 'fail', summary: 'Success rate 90 %, below 95 %' });
    expect(byId.get('p95-latency-30d')).toMatchObject({
      status: 'warn',
      summary: 'p95 latency 25 s misses the 20 s SLO',
    });
    // Without a configured p99 SLO, p99 is reported, not judged (as `perf` does).
    expect(byId.get('p99-latency-30d')).toMatchObject({ status: 'ok', value: '61 s' });
    expect(report.status).toBe('fail');
    expect(report.headline).toMatch(/: 1 fail, 1 warn, 5 ok$/);
  });

  it('holds p99 to a configured thresholds.p99LatencySeconds', async () => {
    const report = await audit('r-monthly-p99', (t) => ({
      ...t,
      thresholds: Object.assign({}, t.thresholds, { p99LatencySeconds: 5 }),
    }));
    expect(report.items.find((i) => i.id === 'p99-latency-30d')).toMatchObject({
      status: 'warn',
      threshold: 'SLO < 5 s',
      summary: 'p99 latency 9 s misses the 5 s SLO',
    });
  });

  it('reports a failing Prometheus section by section and still produces the audit', async () => {
    world.prom.failWith(/./);
    const report = await audit('r-monthly-prom-down');
    const statuses = Object.fromEntries(report.items.map((i) => [i.id, i.status]));
    expect(statuses).toEqual({
      'throughput-30d': 'error',
      'success-rate-30d': 'error',
      'p50-latency-30d': 'error',
      'p95-latency-30d': 'error',
      'p99-latency-30d': 'error',
      'cpu-usage-30d': 'error',
      'compute-cost': 'skipped',
    });
    expect(report.status).toBe('error');
    expect(report.items[0]?.summary).toMatch(/^Prometheus query failed \(unavailable\)/);
  });
});
