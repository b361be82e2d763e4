import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { backupNowRunbook } from '../../src/jobs/runbooks/backup-now.js';
import { restoreRunbook } from '../../src/jobs/runbooks/restore.js';
import { damageGuideTables, snapshotGuideTables } from './guide-tables.js';
import { paramsOf, runSteps, sql } from './run-context.js';
import { seededWorldPerTest } from './seeded-world.js';

const scalePath = '/apis/apps/v1/namespaces/gl-009-production/deployments/thermaliq/scale';

describe('restore round trip (real pg_dump, psql, pg_restore; s3rver; fake Kubernetes)', () => {
  const t = seededWorldPerTest();

  for (const { format, extension, rolloutDelayMs } of [
    { format: 'plain', extension: '.sql.gz', rolloutDelayMs: 0 },
    { format: 'custom', extension: '.dump', rolloutDelayMs: 60 },
  ] as const) {
    it(`backs up (${format}), restores over changed data, and the data equals the seed`, async () => {
      t.world.kube.rolloutDelayMs = rolloutDelayMs;
      const seed = await snapshotGuideTables(t.world.target.url);

      // backup now
      const backupCtx = t.context('r-backup-1');
      const backup = await runSteps(backupNowRunbook, backupCtx, paramsOf(backupNowRunbook, [], { format }));
      const made = backupNowRunbook.report(backupCtx.target, { format }, backup.outputs);
      const key = String((backup.outputs.dump as { key: string }).key);
      expect(key).toMatch(new RegExp(`^${t.world.backupPrefix}target_[0-9a-f]+-\\d{8}-\\d{6}\\${extension}$`));
      expect(made.headline).toContain(key);
      const stored = await t.objectBytes(key);
      expect(stored.subarray(0, format === 'plain' ? 2 : 5)).toEqual(
        format === 'plain' ? Buffer.from([0x1f, 0x8b]) : Buffer.from('PGDMP'),
      );

      await damageGuideTables(t.world.target.url);
      const damaged = await snapshotGuideTables(t.world.target.url);
      expect(damaged).not.toEqual(seed);
      expect(damaged.calculations).toBe('(missing)');

      // restore: validate, plan, then every step with the plan, as the executor runs it
      const ctx = t.context('r-restore-1');
      const params = paramsOf(restoreRunbook, [key.slice(t.world.backupPrefix.length)]);
      await restoreRunbook.validate?.(ctx, params);
      const plan = await restoreRunbook.plan?.(ctx, params);
      if (!plan) throw new Error('restore has no plan');
      expect(plan.material).toMatchObject({ deployment: { replicas: 2 }, backup: { key } });
      const podsAtStep: Record<string, number> = {};
      const result = await runSteps(restoreRunbook, ctx, params, plan, {
        beforeStep: (name) => {
          podsAtStep[name] = t.world.kube.pods(t.world.namespace).length;
        },
      });
      // The database was touched only once the application's pods were gone.
      expect(podsAtStep).toEqual({ 'scale-down': 2, 'pre-restore-backup': 0, restore: 0, verify: 0, 'scale-up': 0 });
      expect(result.ran).toEqual(['scale-down', 'pre-restore-backup', 'restore', 'verify', 'scale-up']);

      expect(await snapshotGuideTables(t.world.target.url)).toEqual(seed);

      // Scaled to 0, then back to the original 2, and nothing else.
      const scales = t.world.kube.requests.filter((r) => r.method === 'PATCH' && r.path === scalePath);
      expect(scales.map((r) => r.body)).toEqual([{ spec: { replicas: 0 } }, { spec: { replicas: 2 } }]);
      const deployment = await ctx.infra.kube?.readDeployment();
      expect(deployment).toMatchObject({ replicas: 2, readyReplicas: 2 });
      expect((await ctx.infra.kube?.listPods())?.filter((p) => p.ready && !p.terminating)).toHaveLength(2);
      if (rolloutDelayMs > 0) {
        // Pods terminate asynchronously here, so the scale-down had to poll more than once.
        const podLists = t.world.kube.requests.filter(
          (r) => r.method === 'GET' && r.path === '/api/v1/namespaces/gl-009-production/pods',
        );
        expect(podLists.length).toBeGreaterThan(1);
      }

      // The pre-restore copy holds the damaged state, as a valid gzipped plain dump.
      const preKey = `${t.world.backupPrefix}pre-restore/r-restore-1.sql.gz`;
      expect(result.outputs['pre-restore-backup']).toMatchObject({ key: preKey });
      const pre = gunzipSync(await t.objectBytes(preKey)).toString('utf8');
      expect(pre).toContain('CREATE TABLE public.tenants');
      expect(pre).toContain('overwritten');
      expect(pre).not.toContain('CREATE TABLE public.calculations');

      const report = restoreRunbook.report(ctx.target, params, result.outputs);
      expect(report.status).toBe('ok');
      expect(report.headline).toContain(key);
      expect(report.items.map((i) => i.status)).toEqual(Array(5).fill('succeeded'));
      expect(JSON.stringify(report.details)).toContain(`/thermaliq restore ${preKey} --env production`);
      expect(JSON.stringify(report.details)).toContain('tenants = 5');
    });
  }

  it('the rollback it offers works: restoring the pre-restore copy brings the changed data back', async () => {
    const backupCtx = t.context('r-backup-2');
    const backup = await runSteps(backupNowRunbook, backupCtx, paramsOf(backupNowRunbook, []));
    const key = String((backup.outputs.dump as { key: string }).key);
    // Rows only: --clean drops just the objects in a dump, so a rollback cannot remove a table the backup
    // brought back while another table still references it (see the restore failure tests).
    await sql(t.world.target.url, "DELETE FROM energy_readings WHERE id > 100; UPDATE tenants SET name = 'later'");
    const changed = await snapshotGuideTables(t.world.target.url);

    const ctx = t.context('r-restore-2');
    const params = paramsOf(restoreRunbook, [key]);
    const result = await runSteps(restoreRunbook, ctx, params, await restoreRunbook.plan?.(ctx, params));
    expect(await snapshotGuideTables(t.world.target.url)).not.toEqual(changed);

    const preKey = String((result.outputs['pre-restore-backup'] as { key: string }).key);
    const report = JSON.stringify(restoreRunbook.report(ctx.target, params, result.outputs).details);
    expect(report).toContain(`Roll back with: /thermaliq restore ${preKey} --env production`);
    const rollback = t.context('r-rollback-2');
    const rollbackParams = paramsOf(restoreRunbook, [preKey]);
    await restoreRunbook.validate?.(rollback, rollbackParams);
    await runSteps(restoreRunbook, rollback, rollbackParams, await restoreRunbook.plan?.(rollback, rollbackParams));
    expect(await snapshotGuideTables(t.world.target.url)).toEqual(changed);
  });
});
