import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { resolveTarget } from '../../src/config/targets.js';
import { rolloutProgress } from '../../src/infra/kube-rollout-status.js';
import type { DeploymentRollout } from '../../src/infra/kube-workload-types.js';
import { restartRunbook } from '../../src/jobs/runbooks/k8s/k8s-restart.js';
import { paramsOf, runContext, runSteps } from '../runbooks/run-context.js';
import type { JsonObject } from '../support/json-value.js';
import { createOpsWorld, type OpsWorld } from './ops-world.js';

let ops: OpsWorld;

function podNames(pods: JsonObject[]): string[] {
  return pods.map((p) => String((p.metadata as { name?: string } | undefined)?.name));
}

function isReady(pod: JsonObject): boolean {
  const status = pod.status as { conditions?: { type: string; status: string }[] } | undefined;
  return status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

beforeAll(async () => {
  ops = await createOpsWorld();
});
afterAll(() => ops.close());

describe('restart', () => {
  it('is a change in staging and destructive (approved) in production', () => {
    const params = paramsOf(restartRunbook, []);
    expect(restartRunbook.riskFor?.(resolveTarget(ops.world.config, 'thermaliq', 'staging'), params)).toBe('change');
    expect(restartRunbook.riskFor?.(resolveTarget(ops.world.config, 'thermaliq', 'production'), params)).toBe(
      'destructive',
    );
  });

  it('plans with the deployment, replicas and image, and binds the approval to them', async () => {
    const ctx = runContext(ops.world, 'r-restart-plan');
    try {
      const plan = await restartRunbook.plan?.(ctx, {});
      expect(plan?.summary).toBe(`Rolling restart of ${ops.world.namespace}/thermaliq (2 replicas)`);
      expect(plan?.material).toEqual({
        namespace: ops.world.namespace,
        deployment: 'thermaliq',
        replicas: 2,
        images: ['registry.example.invalid/thermaliq/app:1.0.0'],
        restartedAt: null,
      });
      expect(plan?.fields.map((f) => f.label)).toEqual(['Deployment', 'Replicas', 'Image', 'Strategy', 'Last restart']);
    } finally {
      await ctx.infra.close();
    }
  });

  it('merge-patches restartedAt, waits until every pod is replaced and ready, and reports', async () => {
    const { kube, namespace } = ops.world;
    const before = podNames(kube.pods(namespace));
    // Each controller step takes a moment, so the wait has something to wait for.
    kube.rolloutDelayMs = 40;
    const ctx = runContext(ops.world, 'r-restart-1');
    try {
      const plan = await restartRunbook.plan?.(ctx, {});
      const started = kube.requests.length;
      const { outputs, progress } = await runSteps(restartRunbook, ctx, {}, plan);

      const patches = kube.requests.slice(started).filter((r) => r.method === 'PATCH');
      expect(patches).toHaveLength(1);
      expect(patches[0]).toMatchObject({
        path: `/apis/apps/v1/namespaces/${namespace}/deployments/thermaliq`,
        contentType: 'application/merge-patch+json',
        body: {
          spec: {
            template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': expect.any(String) } } },
          },
        },
      });
      // The wait returned only once the rollout was complete: no old pod is left, every new one is ready.
      const after = kube.pods(namespace);
      expect(after).toHaveLength(2);
      expect(podNames(after).filter((n) => before.includes(n))).toEqual([]);
      expect(after.every(isReady)).toBe(true);
      expect(progress.flat()).toContainEqual(
        expect.objectContaining({ id: 'rollout', status: 'running', summary: expect.any(String) }),
      );

      const report = restartRunbook.report(ctx.target, {}, outputs);
      expect(report.status).toBe('ok');
      expect(report.headline).toMatch(
        /^Restarted thermaliq in GL-009 THERMALIQ \(production\): 2\/2 replicas replaced and ready in /,
      );
      expect(report.details[0]?.lines.sort()).toEqual(podNames(after).sort());

      // The next approval is bound to this restart: a plan made now differs.
      const sent = z
        .object({
          spec: z.object({
            template: z.object({ metadata: z.object({ annotations: z.record(z.string(), z.string()) }) }),
          }),
        })
        .parse(patches[0]?.body).spec.template.metadata.annotations['kubectl.kubernetes.io/restartedAt'];
      const next = await restartRunbook.plan?.(ctx, {});
      expect(next?.material.restartedAt).toBe(sent);
    } finally {
      kube.rolloutDelayMs = 0;
      await ctx.infra.close();
    }
  });

  it('refuses extra words', () => {
    expect(() => paramsOf(restartRunbook, ['now'])).toThrow(/unexpected/);
  });
});

describe('rollout progress as kubectl rollout status judges it', () => {
  const done: DeploymentRollout = {
    name: 'd',
    generation: 3,
    observedGeneration: 3,
    replicas: 3,
    statusReplicas: 3,
    updatedReplicas: 3,
    readyReplicas: 3,
    availableReplicas: 3,
    images: [],
    strategy: 'RollingUpdate',
  };

  it.each([
    [{ observedGeneration: 2 }, 'waiting for the controller to see the change'],
    [{ updatedReplicas: 1 }, '1 of 3 replicas updated'],
    [{ statusReplicas: 4 }, '1 old replica pending termination'],
    [{ availableReplicas: 2 }, '2 of 3 updated replicas available'],
  ])('waits while %o', (change, waiting) => {
    expect(rolloutProgress({ ...done, ...change })).toEqual({ done: false, waiting });
  });

  it('is done when observed, updated, available and no old replica is left; fails past the deadline', () => {
    expect(rolloutProgress(done)).toEqual({ done: true });
    expect(rolloutProgress(done, 4)).toMatchObject({ done: false });
    expect(rolloutProgress({ ...done, deadlineExceeded: 'ReplicaSet "d-1" has timed out progressing.' })).toEqual({
      done: false,
      failed: 'rollout stalled: ReplicaSet "d-1" has timed out progressing.',
    });
  });
});
