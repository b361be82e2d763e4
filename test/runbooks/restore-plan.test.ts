import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planChanges, planHash } from '../../src/jobs/plan.js';
import type { RunbookContext, RunTarget } from '../../src/jobs/runbook.js';
import { restoreRunbook } from '../../src/jobs/runbooks/restore.js';
import { createWorld, type World } from '../helpers/world.js';
import { seedGuideTables } from './guide-tables.js';
import { paramsOf, runContext, sql } from './run-context.js';

describe('restore plan', () => {
  let world: World;
  let ctx: RunbookContext;
  let key: string;

  beforeAll(async () => {
    world = await createWorld();
    await seedGuideTables(world.target.url);
    key = `${world.backupPrefix}thermaliq-20260101-020000.sql.gz`;
    await world.s3.putObject(world.s3.bucket, key, gzipSync('SELECT 1;\n'));
    ctx = runContext(world, 'r-plan-1');
  });
  afterAll(async () => {
    await ctx.infra.close();
    await world.close();
  });

  const planFor = async (c: RunbookContext = ctx) => {
    const plan = await restoreRunbook.plan?.(c, paramsOf(restoreRunbook, [key]));
    if (!plan) throw new Error('restore has no plan');
    return plan;
  };

  it('names the backup, the database, the deployment, the pre-restore copy, the checks and the rollback', async () => {
    const plan = await planFor();
    const fields = Object.fromEntries(plan.fields.map((f) => [f.label, f.value]));
    expect(fields.Backup).toMatch(new RegExp(`^s3://thermaliq-backups/${key} · \\d+ B · [\\d.]+ h old`));
    expect(fields['Target database']).toMatch(
      new RegExp(`^${world.target.name} on 127\\.0\\.0\\.1:5432 · [\\d.]+ MiB$`),
    );
    expect(fields.Deployment).toBe('gl-009-production/thermaliq · 2 replica(s) now → 0 during the restore → 2');
    expect(fields['Pre-restore backup']).toBe(
      `s3://thermaliq-backups/${world.backupPrefix}pre-restore/r-plan-1.sql.gz`,
    );
    expect(fields.Verification).toBe('tenants: SELECT count(*) FROM public.tenants ≥ 1');
    expect(fields['Roll back with']).toBe(
      `/thermaliq restore ${world.backupPrefix}pre-restore/r-plan-1.sql.gz --env production`,
    );
    expect(plan.steps).toHaveLength(5);
    expect(plan.material).toEqual({
      backup: {
        bucket: 'thermaliq-backups',
        prefix: world.backupPrefix,
        key,
        etag: expect.stringMatching(/^[0-9a-f]{32}$/),
        size: gzipSync('SELECT 1;\n').length,
      },
      database: { host: '127.0.0.1', port: '5432', name: world.target.name },
      deployment: { namespace: 'gl-009-production', name: 'thermaliq', replicas: 2 },
      verify: [{ name: 'tenants', query: 'SELECT count(*) FROM public.tenants', min: 1 }],
    });
  });
});

describe('restore plan material', () => {
  let world: World;
  const contexts: RunbookContext[] = [];
  let key: string;

  beforeAll(async () => {
    world = await createWorld();
    await seedGuideTables(world.target.url);
    key = `${world.backupPrefix}thermaliq-20260101-020000.sql.gz`;
    await world.s3.putObject(world.s3.bucket, key, gzipSync('SELECT 1;\n'));
  });
  afterAll(async () => {
    for (const c of contexts) await c.infra.close();
    await world.close();
  });

  const planFor = async (adjust?: (t: RunTarget) => RunTarget) => {
    const c = runContext(world, 'r-material-1', adjust);
    contexts.push(c);
    const plan = await restoreRunbook.plan?.(c, paramsOf(restoreRunbook, [key]));
    if (!plan) throw new Error('restore has no plan');
    return plan;
  };

  it('is stable while nothing material changes, even as the database grows and time passes', async () => {
    const before = await planFor();
    await sql(
      world.target.url,
      'INSERT INTO energy_readings SELECT 100000 + i, 1, now(), 1 FROM generate_series(1, 5000) i',
    );
    const after = await planFor();
    expect(after.fields.find((f) => f.label === 'Target database')?.value).not.toBe(
      before.fields.find((f) => f.label === 'Target database')?.value,
    );
    expect(planHash(after)).toBe(planHash(before));
  });

  it('changes when a newer upload replaces the backup under the same key', async () => {
    const before = await planFor();
    await world.s3.putObject(world.s3.bucket, key, gzipSync('SELECT 2; -- a newer, different dump\n'));
    const after = await planFor();
    expect(planHash(after)).not.toBe(planHash(before));
    expect(planChanges(before, after)).toEqual([expect.stringMatching(/^backup: .*"etag".* → /)]);
  });

  it('changes when the deployment was scaled since', async () => {
    const before = await planFor();
    const c = contexts[0];
    await c?.infra.kube?.scaleDeployment(3);
    const after = await planFor();
    expect(planHash(after)).not.toBe(planHash(before));
    expect(planChanges(before, after)).toEqual([
      expect.stringMatching(/^deployment: .*"replicas":2.* → .*"replicas":3/),
    ]);
    await c?.infra.kube?.scaleDeployment(2);
  });

  it('changes when the verification queries change', async () => {
    const before = await planFor();
    const verify = [{ name: 'readings', query: 'SELECT count(*) FROM energy_readings', min: 1000 }];
    const after = await planFor((t) => {
      const env = { ...t.env, restore: { verify } };
      return { ...t, env };
    });
    expect(planChanges(before, after)).toEqual([expect.stringMatching(/^verify: /)]);
  });
});
