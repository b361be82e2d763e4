import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/jobs/report.js';
import type { Runbook } from '../../src/jobs/runbook.js';
import { eventsRunbook } from '../../src/jobs/runbooks/k8s/k8s-events.js';
import { podsRunbook } from '../../src/jobs/runbooks/k8s/k8s-pods.js';
import { resourcesRunbook } from '../../src/jobs/runbooks/k8s/k8s-resources.js';
import { addCrashLoopingPod } from '../helpers/world.js';
import { paramsOf, runContext, runSteps } from '../runbooks/run-context.js';
import { autoscalerFixture } from '../support/kube-extension-fixtures.js';
import { createOpsWorld, type OpsWorld } from './ops-world.js';

let ops: OpsWorld;
let runs = 0;

/** Runs a read runbook's steps and builds its report, as the worker does. */
async function report<P>(runbook: Runbook<P>, args: string[] = []): Promise<RunReport> {
  const ctx = runContext(ops.world, `r-read-${++runs}`);
  try {
    const params = paramsOf(runbook, args);
    const { outputs } = await runSteps(runbook, ctx, params);
    return runbook.report(ctx.target, params, outputs);
  } finally {
    await ctx.infra.close();
  }
}

beforeAll(async () => {
  ops = await createOpsWorld();
});
afterAll(() => ops.close());

describe('pods', () => {
  it('lists phase, readiness, restarts and age of each pod, with the deployment', async () => {
    const r = await report(podsRunbook);
    expect(r.status).toBe('ok');
    expect(r.headline).toMatch(/^Pods of GL-009 THERMALIQ \(production\): 2\/2 ready, 0 restarts, youngest 1h/);
    expect(r.items.map((i) => [i.id, i.status, i.value])).toEqual([
      ['pods', 'ok', '2/2 ready'],
      ['deployment', 'ok', '2/2 ready'],
    ]);
    const rows = r.details[0]?.lines ?? [];
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(row).toMatch(/^thermaliq-\S+ · Running · ready 1\/1 · 0 restarts · age 1h · node /);
  });

  it('fails and names a crashlooping pod, with its waiting reason in its row', async () => {
    addCrashLoopingPod(ops.world);
    try {
      const r = await report(podsRunbook);
      expect(r.status).toBe('fail');
      expect(r.items[0]?.summary).toContain('thermaliq-crashy-7d9f CrashLoopBackOff');
      expect(r.details[0]?.lines).toContainEqual(
        expect.stringMatching(/^thermaliq-crashy-7d9f · Running · ready 0\/1 · 14 restarts .*app: CrashLoopBackOff$/),
      );
    } finally {
      ops.world.kube.removePod(ops.world.namespace, 'thermaliq-crashy-7d9f');
    }
  });

  it('refuses extra words', () => {
    expect(() => paramsOf(podsRunbook, ['all'])).toThrow(/unexpected/);
  });
});

describe('resources', () => {
  it('reports usage and says there is no HPA for the deployment', async () => {
    const r = await report(resourcesRunbook);
    expect(r.items).toEqual([
      expect.objectContaining({ id: 'usage', status: 'ok', value: 'CPU 500m, memory 1 GiB' }),
      expect.objectContaining({ id: 'hpa', status: 'skipped', summary: 'No HPA scales Deployment/thermaliq' }),
    ]);
    expect(r.details[0]?.title).toBe('Pods by memory (kubectl top pods)');
  });

  it('shows the HPA that scales the deployment, and warns when it is pinned at its maximum', async () => {
    const ns = ops.world.namespace;
    ops.ext.addAutoscaler(
      ns,
      autoscalerFixture(ns, 'other-hpa', { deployment: 'other', maxReplicas: 3, currentReplicas: 1 }),
    );
    ops.ext.addAutoscaler(
      ns,
      autoscalerFixture(ns, 'thermaliq', {
        deployment: 'thermaliq',
        minReplicas: 2,
        maxReplicas: 2,
        currentReplicas: 2,
        cpu: { target: 70, current: 93 },
        memory: { target: '1Gi', current: '700Mi' },
      }),
    );
    const r = await report(resourcesRunbook);
    expect(r.status).toBe('warn');
    expect(r.items[1]).toEqual({
      id: 'hpa',
      title: 'Autoscaler (HPA)',
      status: 'warn',
      value: '2 replicas (2–2)',
      threshold: 'below max, ScalingActive',
      summary: 'thermaliq: at its maximum of 2 · cpu 93 % of 70 %, memory 700Mi of 1Gi',
    });
    expect(r.details[1]?.lines).toContainEqual(
      expect.stringMatching(
        /^thermaliq → Deployment\/thermaliq · replicas 2 \(desired 2, min 2, max 2\) · cpu 93 %\/70 %/,
      ),
    );
    expect(ops.ext.requests).toContainEqual({
      method: 'GET',
      path: `/apis/autoscaling/v2/namespaces/${ns}/horizontalpodautoscalers`,
    });
  });

  it('skips usage with a hint without metrics-server, and the HPA without autoscaling/v2', async () => {
    ops.world.kube.metricsAvailable = false;
    ops.ext.autoscalingServed = false;
    try {
      const r = await report(resourcesRunbook);
      expect(r.status).toBe('skipped');
      expect(r.items.map((i) => [i.status, i.summary])).toEqual([
        ['skipped', 'metrics.k8s.io not available (is metrics-server installed?)'],
        ['skipped', 'autoscaling/v2 is not served by the cluster (Kubernetes < 1.23?)'],
      ]);
    } finally {
      ops.world.kube.metricsAvailable = true;
      ops.ext.autoscalingServed = true;
    }
  });
});

describe('events', () => {
  it('says so when there are no warnings', async () => {
    const r = await report(eventsRunbook);
    expect(r).toMatchObject({ status: 'ok', headline: expect.stringMatching(/^No warning events in GL-009/) });
  });

  it('lists recent warnings newest first, counts by reason, and ignores Normal events', async () => {
    const ns = ops.world.namespace;
    const kube = ops.world.kube;
    kube.addEvent(ns, {
      type: 'Warning',
      reason: 'BackOff',
      message: 'Back-off restarting failed container app',
      involvedObject: { kind: 'Pod', name: 'thermaliq-abc' },
      count: 12,
      lastTimestamp: new Date(Date.now() - 5 * 60_000),
    });
    kube.addEvent(ns, {
      type: 'Warning',
      reason: 'FailedScheduling',
      message: '0/2 nodes are available: 2 Insufficient memory.',
      involvedObject: { kind: 'Pod', name: 'thermaliq-def' },
      lastTimestamp: new Date(Date.now() - 60_000),
    });
    kube.addEvent(ns, {
      type: 'Warning',
      reason: 'Unhealthy',
      message: 'Readiness probe failed',
      involvedObject: { kind: 'Pod', name: 'thermaliq-old' },
      lastTimestamp: new Date(Date.now() - 3 * 3_600_000),
    });
    kube.addEvent(ns, { reason: 'Scheduled', message: 'assigned', involvedObject: { kind: 'Pod', name: 'x' } });
    const r = await report(eventsRunbook);
    expect(r.status).toBe('warn');
    expect(r.items[0]).toMatchObject({
      value: '3 (2 in the last hour)',
      summary: 'BackOff ×12, FailedScheduling ×1, Unhealthy ×1',
    });
    expect(r.details[0]?.lines).toEqual([
      expect.stringMatching(/^1m ago · Pod\/thermaliq-def · FailedScheduling · 0\/2 nodes/),
      expect.stringMatching(/^5m ago · Pod\/thermaliq-abc · BackOff ×12 · Back-off/),
      expect.stringMatching(/^3h ago · Pod\/thermaliq-old · Unhealthy · Readiness probe failed$/),
    ]);
    const list = ops.world.kube.requests.findLast((q) => q.path.endsWith('/events'));
    expect(list?.query).toMatchObject({ fieldSelector: 'type=Warning', limit: '500' });
  });
});
