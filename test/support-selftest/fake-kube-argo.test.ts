import { ApiException, AppsV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type FakeKube, kubeConfigFor, startFakeKube } from '../support/fake-kube.js';

/**
 * The fake API's Argo Rollouts through client-node, with the patches `kubectl argo rollouts` sends: Rollouts are
 * read, listed and patched (spec, and the status subresource), the ReplicaSets they own are listed, and the
 * simulated controller moves through the canary steps as Argo's does.
 */

const ns = 'argo-selftest';
let kube: FakeKube;
let custom: CustomObjectsApi;
let apps: AppsV1Api;
const rollouts = { group: 'argoproj.io', version: 'v1alpha1', namespace: ns, plural: 'rollouts' } as const;
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const jsonPatch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);

const rolloutSchema = z.object({
  apiVersion: z.literal('argoproj.io/v1alpha1'),
  kind: z.literal('Rollout'),
  metadata: z.object({ name: z.string(), generation: z.number(), annotations: z.record(z.string(), z.string()) }),
  spec: z.object({ template: z.object({ spec: z.object({ containers: z.array(z.object({ image: z.string() })) }) }) }),
  status: z.object({
    phase: z.string(),
    message: z.string().optional(),
    currentStepIndex: z.number(),
    currentPodHash: z.string(),
    stableRS: z.string(),
    observedGeneration: z.string(),
    abort: z.boolean().optional(),
    controllerPause: z.boolean().optional(),
    pauseConditions: z.array(z.object({ reason: z.string(), startTime: z.string() })).optional(),
    canary: z.object({
      currentStepAnalysisRunStatus: z.object({ name: z.string(), status: z.string() }).optional(),
    }),
  }),
});

async function read(name: string) {
  return rolloutSchema.parse(await custom.getNamespacedCustomObject({ ...rollouts, name }));
}

async function replicas(): Promise<Record<string, number>> {
  const list = await apps.listNamespacedReplicaSet({ namespace: ns, labelSelector: 'app=web' });
  return Object.fromEntries(
    list.items.map((rs) => [rs.spec?.template?.spec?.containers[0]?.image ?? '?', rs.spec?.replicas ?? 0]),
  );
}

beforeAll(async () => {
  kube = await startFakeKube();
  custom = kubeConfigFor(kube).makeApiClient(CustomObjectsApi);
  apps = kubeConfigFor(kube).makeApiClient(AppsV1Api);
});
afterAll(() => kube.close());

describe('fake Argo Rollouts', () => {
  it('serves a Healthy Rollout and its owned ReplicaSets, and lists Rollouts with apiVersion and kind', async () => {
    kube.argo.addRollout(ns, 'web', { image: 'web:2', history: ['web:1'], replicas: 4 });
    const r = await read('web');
    expect(r.status).toMatchObject({ phase: 'Healthy', currentStepIndex: 8, observedGeneration: '1' });
    expect(r.status.currentPodHash).toBe(r.status.stableRS);
    expect(r.metadata.annotations['rollout.argoproj.io/revision']).toBe('2');
    const list = z
      .object({ kind: z.literal('RolloutList'), items: z.array(z.object({ kind: z.literal('Rollout') })) })
      .parse(await custom.listNamespacedCustomObject(rollouts));
    expect(list.items).toHaveLength(1);
    const rs = await apps.listNamespacedReplicaSet({ namespace: ns });
    expect(rs.items.map((x) => x.metadata?.annotations?.['rollout.argoproj.io/revision']).sort()).toEqual(['1', '2']);
    expect(rs.items.every((x) => x.metadata?.ownerReferences?.[0]?.kind === 'Rollout')).toBe(true);
    expect(await replicas()).toEqual({ 'web:1': 0, 'web:2': 4 });
  });

  it('a new image starts the canary: setWeight, then a pause with its condition; a status merge patch promotes', async () => {
    kube.argo.setImage(ns, 'web', 'web:3');
    let r = await read('web');
    expect(r.status).toMatchObject({ phase: 'Paused', message: 'CanaryPauseStep', currentStepIndex: 1 });
    expect(r.status.pauseConditions?.[0]?.reason).toBe('CanaryPauseStep');
    expect(r.status.currentPodHash).not.toBe(r.status.stableRS);
    expect(r.metadata.annotations['rollout.argoproj.io/revision']).toBe('3');
    expect(await replicas()).toEqual({ 'web:1': 0, 'web:2': 3, 'web:3': 1 });

    // What `kubectl argo rollouts promote` sends when paused.
    await custom.patchNamespacedCustomObjectStatus(
      { ...rollouts, name: 'web', body: { status: { pauseConditions: null } } },
      merge,
    );
    r = await read('web');
    expect(r.status).toMatchObject({ phase: 'Paused', currentStepIndex: 3 });
    expect(await replicas()).toEqual({ 'web:1': 0, 'web:2': 3, 'web:3': 1 });
    // The pause's duration passing does the same as a promote.
    kube.argo.expirePause(ns, 'web');
    r = await read('web');
    expect(r.status.currentStepIndex).toBe(5);
    expect(await replicas()).toEqual({ 'web:1': 0, 'web:2': 2, 'web:3': 2 });
  });

  it('a status patch of abort=true sends the canary to 0 and the stable back to all: Degraded', async () => {
    await custom.patchNamespacedCustomObjectStatus(
      { ...rollouts, name: 'web', body: { status: { abort: true } } },
      merge,
    );
    const r = await read('web');
    expect(r.status).toMatchObject({
      phase: 'Degraded',
      abort: true,
      message: 'RolloutAborted: Rollout aborted update to revision 3',
    });
    expect(r.status.pauseConditions).toBeUndefined();
    expect(await replicas()).toEqual({ 'web:1': 0, 'web:2': 4, 'web:3': 0 });
  });

  it('a JSON patch of /spec/template back to the stable one (undo) bumps the generation and is Healthy at once', async () => {
    const rs = await apps.listNamespacedReplicaSet({ namespace: ns });
    const stable = rs.items.find((x) => x.spec?.template?.spec?.containers[0]?.image === 'web:2');
    const template = structuredClone(stable?.spec?.template);
    delete template?.metadata?.labels?.['rollouts-pod-template-hash'];
    await custom.patchNamespacedCustomObject(
      { ...rollouts, name: 'web', body: [{ op: 'replace', path: '/spec/template', value: template }] },
      jsonPatch,
    );
    const r = await read('web');
    expect(r.metadata.generation).toBe(3);
    expect(r.status).toMatchObject({ phase: 'Healthy', observedGeneration: '3', currentStepIndex: 8 });
    expect(r.status.abort).toBeUndefined();
    expect(r.status.currentPodHash).toBe(r.status.stableRS);
    // The old ReplicaSet took the new revision, as Argo re-revisions it.
    expect(r.metadata.annotations['rollout.argoproj.io/revision']).toBe('4');
    expect(await replicas()).toEqual({ 'web:1': 0, 'web:2': 4, 'web:3': 0 });
  });

  it('an analysis step runs until the test ends it; a failed analysis aborts', async () => {
    kube.argo.addRollout(ns, 'api', {
      image: 'api:1',
      labels: { app: 'api' },
      steps: [{ setWeight: 20 }, { analysis: { templates: [{ templateName: 'error-rate' }] } }, { pause: {} }],
    });
    kube.argo.setImage(ns, 'api', 'api:2');
    let r = await read('api');
    expect(r.status).toMatchObject({ phase: 'Progressing', currentStepIndex: 1 });
    expect(r.status.canary.currentStepAnalysisRunStatus?.status).toBe('Running');
    kube.argo.finishAnalysis(ns, 'api', 'Successful');
    r = await read('api');
    expect(r.status).toMatchObject({ phase: 'Paused', currentStepIndex: 2 });
    expect(r.status.canary.currentStepAnalysisRunStatus).toBeUndefined();
    // Past the last step: fully promoted.
    await custom.patchNamespacedCustomObjectStatus(
      { ...rollouts, name: 'api', body: { status: { pauseConditions: null } } },
      merge,
    );
    r = await read('api');
    expect(r.status).toMatchObject({ phase: 'Healthy', currentStepIndex: 3 });
    expect(r.status.currentPodHash).toBe(r.status.stableRS);

    kube.argo.setImage(ns, 'api', 'api:3');
    kube.argo.finishAnalysis(ns, 'api', 'Failed');
    r = await read('api');
    expect(r.status).toMatchObject({ phase: 'Degraded', abort: true });
  });

  it('with the controller stopped, a write is stored and nothing moves', async () => {
    kube.argo.setImage(ns, 'web', 'web:5');
    const before = await read('web');
    kube.argo.controllerRunning = false;
    try {
      await custom.patchNamespacedCustomObjectStatus(
        { ...rollouts, name: 'web', body: { status: { pauseConditions: null } } },
        merge,
      );
      const after = await read('web');
      expect(after.status.pauseConditions).toBeUndefined();
      expect(after.status.currentStepIndex).toBe(before.status.currentStepIndex);
      expect(after.status.phase).toBe('Paused');
    } finally {
      kube.argo.controllerRunning = true;
    }
  });

  it('answers 404 for a missing Rollout and 415 for a strategic merge patch of a custom resource', async () => {
    const code = async (work: Promise<unknown>) => {
      try {
        await work;
        return 200;
      } catch (err) {
        if (err instanceof ApiException) return err.code;
        throw err;
      }
    };
    expect(await code(custom.getNamespacedCustomObject({ ...rollouts, name: 'nope' }))).toBe(404);
    expect(
      await code(
        custom.patchNamespacedCustomObject(
          { ...rollouts, name: 'web', body: { spec: { paused: true } } },
          setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
        ),
      ),
    ).toBe(415);
  });
});
