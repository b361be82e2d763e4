import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { planHash } from '../../src/jobs/plan.js';
import type { RunbookContext, RunTarget } from '../../src/jobs/runbook.js';
import { restoreRunbook } from '../../src/jobs/runbooks/restore/restore.js';
import { createWorld, type World } from '../helpers/world.js';
import { guideDumpKinds, makeGuideDump } from './guide-dumps.js';
import { damageGuideTables, seedGuideTables, snapshotGuideTables } from './guide-tables.js';
import { paramsOf, runContext, runSteps, type StepsResult } from './run-context.js';

/** The production environment as zero-setup mode has it: a database and backups, no Kubernetes. */
const withoutKube = (t: RunTarget): RunTarget => ({ ...t, env: { ...t.env, kubernetes: undefined } });
const vcci = guideDumpKinds[0];

describe('restore without Kubernetes (real pg_dump and psql; s3rver)', () => {
  let world: World;
  const contexts: RunbookContext[] = [];
  const context = (runId: string, adjust: (t: RunTarget) => RunTarget = withoutKube) => {
    const ctx = runContext(world, runId, adjust);
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

  async function upload(): Promise<string> {
    const key = `${world.backupPrefix}${vcci?.file}`;
    await world.s3.putObject(world.s3.bucket, key, await makeGuideDump(world.target.url, vcci?.command ?? ''));
    return key;
  }

  it('plans that nothing is scaled, warns about writers, restores, and reports the scale steps as skipped', async () => {
    const seed = await snapshotGuideTables(world.target.url);
    const key = await upload();
    await damageGuideTables(world.target.url);

    const ctx = context('r-0000000001');
    expect(ctx.infra.kube).toBeUndefined();
    const params = paramsOf(restoreRunbook, [key]);
    await restoreRunbook.validate?.(ctx, params);
    const plan = await restoreRunbook.plan?.(ctx, params);
    if (!plan) throw new Error('restore has no plan');
    expect(plan.material).toMatchObject({ deployment: null, mode: 'side-by-side' });
    expect(plan.fields.find((f) => f.label === 'Deployment')?.value).toBe(
      `None configured (services.thermaliq.environments.production.kubernetes), so nothing is scaled. Stop everything that writes to ${world.target.name} by other means before approving, or its writes during the cutover are lost.`,
    );
    expect(plan.steps).toContain('Scale down: skipped, no deployment is configured');
    expect(plan.steps).toContain('Scale up: skipped, no deployment is configured');
    // The plan recomputed at execution is the same one, so the approval holds.
    expect(planHash((await restoreRunbook.plan?.(context('r-0000000001'), params)) ?? plan)).toBe(planHash(plan));

    const result = await runSteps(restoreRunbook, ctx, params, plan);
    expect(await snapshotGuideTables(world.target.url)).toEqual(seed);
    for (const step of ['scale-down', 'scale-up']) {
      expect(result.outputs[step]).toEqual({
        skipped: true,
        reason: expect.stringContaining('no Kubernetes deployment is configured for production'),
        short: 'no deployment configured',
      });
    }
    // The live message said why while the step ran.
    const running = result.progress.flat().filter((i) => i.id === 'scale-down' && i.status === 'running');
    expect(running.at(-1)?.summary).toMatch(/^skipped: no Kubernetes deployment is configured for production/);
    // The world's Kubernetes API exists, but nothing of the restore went near it.
    expect(world.kube.requests).toEqual([]);

    const report = restoreRunbook.report(ctx.target, params, result.outputs);
    expect(report.status).toBe('ok');
    expect(report.items.filter((i) => i.status === 'skipped').map((i) => i.id)).toEqual([
      'pre-restore-backup',
      'scale-down',
      'scale-up',
    ]);
    // With nothing scaled, the downtime is the cutover's.
    expect(JSON.stringify(report.details)).toContain('the cutover; nothing was scaled');
  });

  it('a failure after the cutover puts the databases back and says nothing was scaled, with no kubectl advice', async () => {
    const key = await upload();
    await damageGuideTables(world.target.url);
    const production = await snapshotGuideTables(world.target.url);
    const name = world.target.name;
    const ctx = context('r-0000000002', (t) => ({
      ...withoutKube(t),
      env: {
        ...withoutKube(t).env,
        restore: {
          verify: [{ name: 'renamed', query: `SELECT (current_database() <> '${name}')::int`, min: 1 }],
          mode: 'auto',
          preRestoreDump: false,
          keep: { count: 1, days: 7 },
        },
      },
    }));
    const params = paramsOf(restoreRunbook, [key]);
    const plan = await restoreRunbook.plan?.(ctx, params);
    const result: StepsResult = { outputs: {}, progress: [], ran: [] };
    const error = await runSteps(restoreRunbook, ctx, params, plan, { into: result }).catch((e: unknown) => e);
    if (!(error instanceof UserError)) throw new Error(`expected a UserError, got ${String(error)}`);
    expect(result.ran.at(-1)).toBe('verify');
    expect(error.message).toMatch(/^Restore stopped at step "[^"]+" \(verify\): verification failed: renamed = 0/);
    expect(error.message).toContain(`The renames were reversed: ${name} holds production\u2019s own data again`);
    expect(error.message).not.toContain('kubectl');
    expect(await snapshotGuideTables(world.target.url)).toEqual(production);
    expect(world.kube.requests).toEqual([]);
  });
});
