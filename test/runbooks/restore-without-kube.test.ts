import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { planHash } from '../../src/jobs/plan.js';
import type { RunbookContext, RunTarget } from '../../src/jobs/runbook.js';
import { backupNowRunbook } from '../../src/jobs/runbooks/backup-now.js';
import { restoreRunbook } from '../../src/jobs/runbooks/restore.js';
import { createWorld, type World } from '../helpers/world.js';
import { damageGuideTables, seedGuideTables, snapshotGuideTables } from './guide-tables.js';
import { paramsOf, runContext, runSteps, type StepsResult } from './run-context.js';

/** The production environment as zero-setup mode has it: a database and backups, no Kubernetes. */
const withoutKube = (t: RunTarget): RunTarget => ({ ...t, env: { ...t.env, kubernetes: undefined } });

describe('restore without Kubernetes (real pg_dump and psql; s3rver)', () => {
  let world: World;
  const contexts: RunbookContext[] = [];
  const context = (runId: string) => {
    const ctx = runContext(world, runId, withoutKube);
    contexts.push(ctx);
    return ctx;
  };

  beforeEach(async () => {
    world = await createWorld();
    await seedGuideTables(world.target.url);
  });
  afterEach(async () => {
    for (const ctx of contexts.splice(0)) await ctx.infra.close();
    await world.close();
  });

  it('plans that nothing is scaled, warns about writers, restores, and reports the scale steps as skipped', async () => {
    const seed = await snapshotGuideTables(world.target.url);
    const backupCtx = context('r-nokube-backup');
    expect(backupCtx.infra.kube).toBeUndefined();
    const backup = await runSteps(backupNowRunbook, backupCtx, paramsOf(backupNowRunbook, []));
    const key = String((backup.outputs.dump as { key: string }).key);

    await damageGuideTables(world.target.url);
    expect(await snapshotGuideTables(world.target.url)).not.toEqual(seed);

    const ctx = context('r-nokube-restore');
    const params = paramsOf(restoreRunbook, [key]);
    await restoreRunbook.validate?.(ctx, params);
    const plan = await restoreRunbook.plan?.(ctx, params);
    if (!plan) throw new Error('restore has no plan');
    expect(plan.material).toMatchObject({ deployment: null, backup: { key } });
    const deployment = plan.fields.find((f) => f.label === 'Deployment')?.value;
    expect(deployment).toBe(
      'None: no Kubernetes deployment is configured for production (services.thermaliq.environments.production.kubernetes), so nothing is scaled down or up. ' +
        `Nothing stops the application's writers: stop everything that writes to ${world.target.name} by other means before approving, or its writes during the restore are lost.`,
    );
    expect(plan.steps[0]).toBe(
      `Scale down: skipped, no deployment is configured; stop the writers to ${world.target.name} yourself`,
    );
    expect(plan.steps[4]).toBe('Scale up: skipped, no deployment is configured');
    // The plan recomputed at execution is the same one, so the approval holds.
    expect(planHash((await restoreRunbook.plan?.(context('r-nokube-restore'), params)) ?? plan)).toBe(planHash(plan));

    const result = await runSteps(restoreRunbook, ctx, params, plan);
    expect(result.ran).toEqual(['scale-down', 'pre-restore-backup', 'restore', 'verify', 'scale-up']);
    expect(await snapshotGuideTables(world.target.url)).toEqual(seed);
    for (const step of ['scale-down', 'scale-up']) {
      expect(result.outputs[step]).toEqual({
        skipped: true,
        reason: expect.stringContaining('no Kubernetes deployment is configured for production'),
        durationMs: 0,
      });
    }
    // The live message said why while the step ran.
    const running = result.progress.flat().filter((i) => i.id === 'scale-down' && i.status === 'running');
    expect(running.at(-1)?.summary).toMatch(/^skipped: no Kubernetes deployment is configured for production/);
    // The world's Kubernetes API exists, but nothing of the restore went near it.
    expect(world.kube.requests).toEqual([]);

    const report = restoreRunbook.report(ctx.target, params, result.outputs);
    expect(report.status).toBe('ok');
    expect(report.items.map((i) => [i.id, i.status, i.status === 'skipped' ? i.value : ''])).toEqual([
      ['scale-down', 'skipped', 'no deployment configured'],
      ['pre-restore-backup', 'succeeded', ''],
      ['restore', 'succeeded', ''],
      ['verify', 'succeeded', ''],
      ['scale-up', 'skipped', 'no deployment configured'],
    ]);
    expect(JSON.stringify(report.details)).toContain(
      'Deployment: nothing was scaled; no Kubernetes deployment is configured for production',
    );
  });

  it('a failure says nothing was scaled and that the stopped writers stay off, with no kubectl advice', async () => {
    const name = 'empty.sql.gz';
    const key = `${world.backupPrefix}${name}`;
    await world.s3.putObject(
      world.s3.bucket,
      key,
      gzipSync('DROP TABLE IF EXISTS calculations, energy_readings, tenants;\nCREATE TABLE tenants (id int);\n'),
    );
    const ctx = context('r-nokube-fail');
    const params = paramsOf(restoreRunbook, [name]);
    const plan = await restoreRunbook.plan?.(ctx, params);
    const result: StepsResult = { outputs: {}, progress: [], ran: [] };
    const error = await runSteps(restoreRunbook, ctx, params, plan, { into: result }).catch((e: unknown) => e);
    if (!(error instanceof UserError)) throw new Error(`expected a UserError, got ${String(error)}`);
    expect(result.ran).toEqual(['scale-down', 'pre-restore-backup', 'restore', 'verify']);
    expect(error.message).toMatch(
      /^Restore stopped: step "Verify" \(verify\) failed: verification failed: tenants = 0/,
    );
    expect(error.message).toContain('/thermaliq restore thermaliq/');
    expect(error.message).toContain(
      'No deployment is configured, so nothing was scaled down; keep the writers you stopped off until the database is right.',
    );
    expect(error.message).not.toContain('kubectl');
    expect(world.kube.requests).toEqual([]);
  });
});
