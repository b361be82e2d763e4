import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunbookContext, RunTarget } from '../../src/jobs/runbook.js';
import { digestDailyRunbook } from '../../src/jobs/runbooks/digest/digest-daily.js';
import { createWorld, type World } from '../helpers/world.js';
import { paramsOf, runContext, runSteps } from '../runbooks/run-context.js';

// The world's Redis is shared with every other test: its server-wide fragmentation is not this digest's business.
function calmCache(t: RunTarget): RunTarget {
  return { ...t, thresholds: { ...t.thresholds, cacheFragmentationRatio: 1000, cacheMemoryPercent: 100 } };
}

describe('digest daily', () => {
  let world: World;
  const contexts: RunbookContext[] = [];

  beforeAll(async () => {
    world = await createWorld();
  });
  afterAll(async () => {
    for (const c of contexts) await c.infra.close();
    await world.close();
  });

  async function digest(runId: string) {
    const ctx = runContext(world, runId, calmCache);
    contexts.push(ctx);
    const params = paramsOf(digestDailyRunbook, []);
    const { outputs } = await runSteps(digestDailyRunbook, ctx, params);
    return digestDailyRunbook.report(ctx.target, params, outputs);
  }

  it('takes no arguments', () => {
    expect(paramsOf(digestDailyRunbook, [])).toEqual({});
    expect(digestDailyRunbook.params.safeParse(digestDailyRunbook.parseArgs(['now'], {})).success).toBe(false);
    expect(digestDailyRunbook).toMatchObject({ name: 'digest daily', risk: 'read', minRole: 'viewer' });
  });

  it('on a healthy target: one health line, then backup age, certificates and 24 h errors, all ok', async () => {
    world.prom.respond('sum(increase(thermaliq_calculation_errors_total[24h]))', 37);
    const report = await digest('r-daily-ok');
    expect(report.status).toBe('ok');
    expect(report.headline).toMatch(/^Daily digest of GL-009 THERMALIQ \(production\): \d+ ok$/);
    expect(report.items.map((i) => [i.id, i.status])).toEqual([
      ['health', 'ok'],
      ['backup-age', 'ok'],
      ['certificates', 'ok'],
      ['errors-24h', 'ok'],
    ]);
    const certs = report.items.find((i) => i.id === 'certificates');
    expect(certs?.value).toMatch(/^(89|90) days/);
    expect(report.items.find((i) => i.id === 'errors-24h')?.value).toBe('37 errors');
    expect(report.details[0]?.lines).toHaveLength(14);
    expect(world.prom.queries).toContain('sum(increase(thermaliq_calculation_errors_total[24h]))');
  });

  it('says what failed: a stale backup, a failing API and too many errors, each on its own line', async () => {
    const ctx = runContext(world, 'r-daily-bad', calmCache);
    contexts.push(ctx);
    const newest = await ctx.infra.backups?.newestBackup();
    if (!newest) throw new Error('the world has a backup');
    await world.s3.setLastModified(world.s3.bucket, newest.key, new Date(Date.now() - 30 * 3_600_000));
    world.api.status = 503;
    world.prom.respond('sum(increase(thermaliq_calculation_errors_total[24h]))', 4200);
    try {
      const { outputs } = await runSteps(digestDailyRunbook, ctx, {});
      const report = digestDailyRunbook.report(ctx.target, {}, outputs);
      expect(report.status).toBe('fail');
      const byId = new Map(report.items.map((i) => [i.id, i]));
      expect(byId.get('health')).toMatchObject({ status: 'fail', summary: 'Not ok: API health, Backup age' });
      expect(byId.get('backup-age')).toMatchObject({ status: 'fail', value: '30 h' });
      expect(byId.get('errors-24h')).toMatchObject({ status: 'warn', value: '4,200 errors' });
      expect(byId.get('api-health')?.status).toBe('fail');
      expect(report.headline).toMatch(/2 fail, 1 warn/);
    } finally {
      await world.s3.setLastModified(world.s3.bucket, newest.key, new Date());
      world.api.status = 200;
      world.prom.respond('sum(increase(thermaliq_calculation_errors_total[24h]))', 37);
    }
  });

  it('reports an unreachable Prometheus as errors and still produces the digest', async () => {
    world.prom.failWith('thermaliq_');
    try {
      const report = await digest('r-daily-prom-down');
      expect(report.status).toBe('error');
      const errors = report.items.find((i) => i.id === 'errors-24h');
      expect(errors).toMatchObject({ status: 'error' });
      expect(errors?.summary).toMatch(/Prometheus query failed \(unavailable\)/);
      expect(report.items.map((i) => i.id)).toEqual(
        expect.arrayContaining(['error-rate', 'p95-latency', 'cache-hit-rate', 'disk']),
      );
    } finally {
      world.prom.clear();
      world.prom.respond('thermaliq_calculation_errors_total', 0.002);
      world.prom.respond('histogram_quantile(0.95', 3.2);
      world.prom.respond('thermaliq_cache_hits_total', 0.91);
      world.prom.respond('thermaliq_volume_used_percent', 41);
    }
  });
});
