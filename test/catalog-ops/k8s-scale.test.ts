import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import type { RunbookContext } from '../../src/jobs/runbook.js';
import { scaleRunbook } from '../../src/jobs/runbooks/k8s/k8s-scale.js';
import { isLargeChange } from '../../src/jobs/runbooks/k8s/k8s-scale-plan.js';
import { paramsOf, runContext, runSteps } from '../runbooks/run-context.js';
import { autoscalerFixture } from '../support/kube-extension-fixtures.js';
import { createOpsWorld, type OpsWorld } from './ops-world.js';

let ops: OpsWorld;
let ctx: RunbookContext;

function replicas(): number | undefined {
  const spec = ops.world.kube.deployment(ops.world.namespace, 'thermaliq')?.spec as { replicas?: number } | undefined;
  return spec?.replicas;
}

function readyPods(): number {
  return ops.world.kube
    .pods(ops.world.namespace)
    .filter((p) => JSON.stringify(p.status ?? {}).includes('"type":"Ready","status":"True"')).length;
}

function scalePatches(since: number) {
  return ops.world.kube.requests
    .slice(since)
    .filter((r) => r.method === 'PATCH' && r.path.endsWith('/deployments/thermaliq/scale'));
}

beforeAll(async () => {
  ops = await createOpsWorld();
  ctx = runContext(ops.world, 'r-scale');
});
afterAll(async () => {
  await ctx.infra.close();
  await ops.close();
});

describe('scale arguments', () => {
  it.each([
    [['-1'], 'replicas: expected a whole number of replicas from 0 to 100, not "-1"'],
    [['abc'], 'replicas: expected a whole number of replicas from 0 to 100, not "abc"'],
    [['1000'], 'replicas: expected a whole number of replicas from 0 to 100, not "1000"'],
    [['1.5'], 'replicas: expected a whole number of replicas from 0 to 100, not "1.5"'],
    [[], 'replicas: give the number of replicas, e.g. scale 3'],
  ])('refuses %j', (args, message) => {
    const parsed = scaleRunbook.params.safeParse(scaleRunbook.parseArgs(args, {}));
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([message]);
  });

  it('refuses extra words and a valued --confirm-large', () => {
    expect(() => paramsOf(scaleRunbook, ['3', 'now'])).toThrow(/unexpected/);
    expect(() => paramsOf(scaleRunbook, ['3'], { 'confirm-large': 'yes' })).toThrow(/--confirm-large takes no value/);
  });

  it('is destructive at 0 and when confirmed as large, a change otherwise', () => {
    const risk = (args: string[], flags = {}) =>
      scaleRunbook.riskFor?.(ctx.target, paramsOf(scaleRunbook, args, flags));
    expect(risk(['0'])).toBe('destructive');
    expect(risk(['8'], { 'confirm-large': true })).toBe('destructive');
    expect(risk(['3'])).toBe('change');
  });

  it('counts more than half, and any change from 0, as large', () => {
    expect([isLargeChange(2, 3), isLargeChange(2, 4), isLargeChange(4, 1), isLargeChange(0, 1)]).toEqual([
      false,
      true,
      true,
      true,
    ]);
  });

  it('refuses, before anything is queued, a large change without --confirm-large and a no-op', async () => {
    await expect(scaleRunbook.validate?.(ctx, paramsOf(scaleRunbook, ['5']))).rejects.toThrow(
      'Scaling thermaliq from 2 to 5 replicas changes them by +150 %, more than 50 %, so it needs an approver. Run `/thermaliq scale 5 --confirm-large --env production`.',
    );
    await expect(scaleRunbook.validate?.(ctx, paramsOf(scaleRunbook, ['2']))).rejects.toThrow(
      'thermaliq already has 2 replicas; nothing to change.',
    );
    await expect(scaleRunbook.validate?.(ctx, paramsOf(scaleRunbook, ['3']))).resolves.toBeUndefined();
  });
});

describe('scale runs', () => {
  it('scales by a merge patch of the scale subresource and waits until ready', async () => {
    const since = ops.world.kube.requests.length;
    const params = paramsOf(scaleRunbook, ['3']);
    const { outputs } = await runSteps(scaleRunbook, ctx, params);
    expect(scalePatches(since)).toEqual([
      expect.objectContaining({ contentType: 'application/merge-patch+json', body: { spec: { replicas: 3 } } }),
    ]);
    expect([replicas(), readyPods()]).toEqual([3, 3]);
    const report = scaleRunbook.report(ctx.target, params, outputs);
    expect(report.status).toBe('ok');
    expect(report.headline).toMatch(
      /^Scaled thermaliq in GL-009 THERMALIQ \(production\) from 2 to 3 replicas: 3\/3 ready/,
    );
    expect(report.items[0]).toMatchObject({ value: '2 → 3', summary: '+50 %' });
  });

  it('refuses in the step a change that became large since it was checked, and sends no scale', async () => {
    const since = ops.world.kube.requests.length;
    const run = runSteps(scaleRunbook, ctx, paramsOf(scaleRunbook, ['6']));
    await expect(run).rejects.toBeInstanceOf(UserError);
    await expect(run).rejects.toThrow(/from 3 to 6 replicas changes them by \+100 %/);
    expect(scalePatches(since)).toEqual([]);
    expect(replicas()).toBe(3);
  });

  it('scales to 0 on its approved plan, waiting until every pod is gone', async () => {
    const params = paramsOf(scaleRunbook, ['0']);
    const plan = await scaleRunbook.plan?.(ctx, params);
    expect(plan?.material).toEqual({ namespace: ops.world.namespace, deployment: 'thermaliq', from: 3, to: 0 });
    expect(plan?.fields).toContainEqual({ label: 'Pods', value: 'all 3 pods will be terminated: the service stops' });
    expect(plan?.fields).toContainEqual({
      label: 'Roll back with',
      value: '/thermaliq scale 3 --confirm-large --env production',
    });
    await runSteps(scaleRunbook, ctx, params, plan);
    expect([replicas(), ops.world.kube.pods(ops.world.namespace)]).toEqual([0, []]);
  });

  it('scales up from 0 with --confirm-large, and warns that an HPA will move replicas again', async () => {
    const ns = ops.world.namespace;
    ops.ext.addAutoscaler(
      ns,
      autoscalerFixture(ns, 'thermaliq', {
        deployment: 'thermaliq',
        minReplicas: 2,
        maxReplicas: 6,
        currentReplicas: 2,
      }),
    );
    const params = paramsOf(scaleRunbook, ['2'], { 'confirm-large': true });
    const plan = await scaleRunbook.plan?.(ctx, params);
    expect(plan?.fields).toContainEqual({
      label: 'Autoscaler',
      value: 'HPA thermaliq scales this deployment (2–6); it will move replicas back within its bounds',
    });
    const { outputs } = await runSteps(scaleRunbook, ctx, params, plan);
    expect([replicas(), readyPods()]).toEqual([2, 2]);
    const report = scaleRunbook.report(ctx.target, params, outputs);
    expect(report.status).toBe('warn');
    expect(report.items).toContainEqual(expect.objectContaining({ id: 'hpa', status: 'warn' }));
  });
});
