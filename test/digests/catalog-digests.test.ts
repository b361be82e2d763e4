import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveTarget } from '../../src/config/targets.js';
import type { RunbookContext } from '../../src/jobs/runbook.js';
import { digestRunbooks } from '../../src/jobs/runbooks/catalog-digests.js';
import { createWorld, type World } from '../helpers/world.js';
import { runContext, runSteps } from '../runbooks/run-context.js';

describe('the digest catalog', () => {
  let world: World;
  const contexts: RunbookContext[] = [];

  beforeAll(async () => {
    world = await createWorld();
  });
  afterAll(async () => {
    for (const c of contexts) await c.infra.close();
    await world.close();
  });

  it('holds the daily, weekly and monthly digests, all read-only and open to viewers', () => {
    expect(digestRunbooks.map((r) => [r.name, r.risk, r.minRole])).toEqual([
      ['digest daily', 'read', 'viewer'],
      ['digest weekly', 'read', 'viewer'],
      ['digest monthly', 'read', 'viewer'],
    ]);
    for (const r of digestRunbooks) expect(r.steps.every((s) => s.idempotent)).toBe(true);
  });

  it('lists, before anything ran, the lines each digest will fill in', () => {
    const target = resolveTarget(world.config, 'thermaliq', 'production');
    const [daily, weekly, monthly] = digestRunbooks.map((r) => r.initialProgress(target, {}).map((i) => i.id));
    expect(daily).toHaveLength(14);
    expect(daily).toContain('errors-24h');
    expect(weekly).toEqual(['db-stats', 'backups', 'cache-stats', 'certificates', 'latency-trend']);
    expect(monthly).toEqual([
      'throughput-30d',
      'success-rate-30d',
      'p50-latency-30d',
      'p95-latency-30d',
      'p99-latency-30d',
      'cpu-usage-30d',
      'compute-cost',
    ]);
  });

  it('on an environment with nothing configured, each digest reports every section skipped and nothing else', async () => {
    const staging = resolveTarget(world.config, 'thermaliq', 'staging');
    for (const runbook of digestRunbooks) {
      const ctx = runContext(world, `r-catalog-${runbook.name.replace(' ', '-')}`, () => staging);
      contexts.push(ctx);
      const { outputs } = await runSteps(runbook, ctx, {});
      const report = runbook.report(ctx.target, {}, outputs);
      expect(report.status, runbook.name).toBe('skipped');
      expect(
        report.items.filter((i) => i.status !== 'skipped' && i.id !== 'health'),
        runbook.name,
      ).toEqual([]);
      expect(report.files).toBeUndefined();
    }
  });
});
