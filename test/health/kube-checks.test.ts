import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Infra } from '../../src/infra/infra.js';
import { errorLogsCheck } from '../../src/jobs/health/checks/error-logs.js';
import { nodesCheck } from '../../src/jobs/health/checks/nodes.js';
import { podsCheck } from '../../src/jobs/health/checks/pods.js';
import { resourcesCheck } from '../../src/jobs/health/checks/resources.js';
import { type FakeKube, startFakeKube } from '../support/fake-kube.js';
import { isJsonObject, objectAt } from '../support/json-value.js';
import { podFixture } from '../support/kube-fixtures.js';
import { appLabels, infraFor, kubernetesBlock, namespace, runCheck } from './environment.js';

let kube: FakeKube;
let infra: Infra;

beforeEach(async () => {
  kube = await startFakeKube();
  infra = infraFor({ kubernetes: kubernetesBlock(kube.url, { logTailLines: 50 }) });
});
afterEach(async () => {
  await infra.close();
  await kube.close();
});

describe('pods check', () => {
  it('fails on a crashlooping pod and names it', async () => {
    kube.addPod(namespace, podFixture({ name: 'thermaliq-a', labels: appLabels }));
    kube.addPod(
      namespace,
      podFixture({ name: 'thermaliq-b', labels: appLabels, waitingReason: 'CrashLoopBackOff', restarts: 9 }),
    );
    const result = await runCheck(podsCheck, infra);
    expect(result).toMatchObject({ status: 'fail', value: '1/2 ready' });
    expect(result.summary).toBe('1 of 2 pods unhealthy: thermaliq-b CrashLoopBackOff (app)');
    expect(result.details).toContain(
      'thermaliq-b · Running · not ready · 9 restarts (last: Error) · CrashLoopBackOff (app)',
    );
  });

  it('fails on a Running pod that is not ready, and on a Pending one', async () => {
    kube.addPod(namespace, podFixture({ name: 'thermaliq-a', labels: appLabels, ready: false }));
    kube.addPod(namespace, podFixture({ name: 'thermaliq-b', labels: appLabels, phase: 'Pending' }));
    const result = await runCheck(podsCheck, infra);
    expect(result.status).toBe('fail');
    expect(result.summary).toContain('thermaliq-a not ready (app)');
    expect(result.summary).toContain('thermaliq-b Pending');
  });

  it('warns on restarts above the threshold', async () => {
    kube.addPod(
      namespace,
      podFixture({ name: 'thermaliq-a', labels: appLabels, restarts: 6, lastTerminationReason: 'OOMKilled' }),
    );
    const result = await runCheck(podsCheck, infra);
    expect(result).toMatchObject({
      status: 'warn',
      value: '1/1 ready',
      threshold: 'all Running and Ready; > 5 restarts warns',
    });
    expect(result.summary).toContain('thermaliq-a (6)');
    expect((await runCheck(podsCheck, infra, { thresholds: { podRestarts: 6 } })).status).toBe('ok');
  });

  it('ignores pods being replaced by a rollout', async () => {
    kube.addPod(namespace, podFixture({ name: 'thermaliq-new', labels: appLabels }));
    kube.addPod(
      namespace,
      podFixture({ name: 'thermaliq-old', labels: appLabels, ready: false, deletionTimestamp: new Date() }),
    );
    expect(await runCheck(podsCheck, infra)).toMatchObject({ status: 'ok', value: '1/1 ready' });
  });

  it('fails when no pod matches the selector', async () => {
    kube.addPod(namespace, podFixture({ name: 'other', labels: { app: 'other' } }));
    const result = await runCheck(podsCheck, infra);
    expect(result).toMatchObject({ status: 'fail', summary: `No pods match app=thermaliq in namespace ${namespace}` });
  });

  it('is an error carrying the HTTP code when the API answers 500', async () => {
    kube.failWith(/\/pods$/, 500, { message: 'etcdserver: leader changed' });
    const result = await runCheck(podsCheck, infra);
    expect(result.status).toBe('error');
    expect(result.summary).toBe(
      'Kubernetes API answered 500 InternalError to list pods app=thermaliq: Internal error occurred: etcdserver: leader changed',
    );
  });

  it('is an error by timeout when the API never answers', async () => {
    kube.hang(/\/pods$/);
    const result = await runCheck(podsCheck, infra, { timeoutMs: 200 });
    expect(result).toEqual({ id: 'pods', title: 'Pods', status: 'error', summary: 'timed out after 200 ms' });
  });
});

describe('nodes check', () => {
  it('fails when a node is not Ready', async () => {
    kube.addNode('node-1', true);
    kube.addNode('node-2', false);
    const result = await runCheck(nodesCheck, infra);
    expect(result).toMatchObject({ status: 'fail', value: '1/2 Ready', threshold: 'all Ready' });
    expect(result.summary).toBe('1 of 2 nodes not Ready: node-2 (KubeletNotReady)');
  });

  it('is an error naming the code when listing nodes is forbidden', async () => {
    kube.failWith(/\/nodes$/, 403, {
      message: 'nodes is forbidden: User "system:serviceaccount:ops:bot" cannot list resource "nodes"',
    });
    const result = await runCheck(nodesCheck, infra);
    expect(result.status).toBe('error');
    expect(result.summary).toContain('403 Forbidden');
  });
});

describe('resources check', () => {
  it('reports usage per pod, against limits where the pod declares them', async () => {
    kube.addPod(namespace, podFixture({ name: 'thermaliq-a', labels: appLabels }));
    kube.addPod(namespace, podFixture({ name: 'thermaliq-b', labels: appLabels }));
    kube.updatePod(namespace, 'thermaliq-a', (pod) => {
      const containers = objectAt(pod, 'spec')?.containers;
      const first = Array.isArray(containers) ? containers[0] : undefined;
      if (isJsonObject(first)) first.resources = { limits: { cpu: '1', memory: '2Gi' } };
    });
    kube.setPodMetrics(namespace, 'thermaliq-a', { cpu: '500m', memory: '1Gi' });
    kube.setPodMetrics(namespace, 'thermaliq-b', { cpu: '250m', memory: '512Mi' });
    const result = await runCheck(resourcesCheck, infra);
    expect(result).toMatchObject({ status: 'ok', value: 'CPU 750m, memory 1.5 GiB' });
    expect(result.details).toEqual([
      'thermaliq-a · CPU 500m (50 % of limit) · memory 1 GiB (50 % of limit)',
      'thermaliq-b · CPU 250m · memory 512 MiB',
    ]);
  });

  it('is skipped when metrics.k8s.io is not available', async () => {
    kube.metricsAvailable = false;
    const result = await runCheck(resourcesCheck, infra);
    expect(result).toMatchObject({
      status: 'skipped',
      summary: expect.stringContaining('metrics.k8s.io not available'),
    });
  });
});

describe('error-logs check', () => {
  it('counts ERROR lines of the last hour and groups JSON and text messages', async () => {
    kube.addPod(namespace, podFixture({ name: 'thermaliq-a', labels: appLabels }));
    kube.addPod(namespace, podFixture({ name: 'thermaliq-b', labels: appLabels }));
    kube.setPodLogs(
      namespace,
      'thermaliq-a',
      [
        '{"timestamp":"2024-05-01T09:00:00Z","level":"ERROR","facility_id":"F-1001","error_message":"Calculation failed for facility 1001: timeout after 30000 ms"}',
        '{"timestamp":"2024-05-01T09:00:05Z","level":"ERROR","facility_id":"F-1002","error_message":"Calculation failed for facility 1002: timeout after 30000 ms"}',
        '{"timestamp":"2024-05-01T09:00:06Z","level":"INFO","message":"calculation ERROR budget fine"}',
        '{"time":1714554000000,"level":50,"msg":"redis connection lost"}',
        '',
      ].join('\n'),
    );
    kube.setPodLogs(
      namespace,
      'thermaliq-b',
      [
        '2024-05-01 09:01:00,123 ERROR [worker-3] Calculation failed for facility 1003: timeout after 30000 ms',
        '2024-05-01 09:01:01,000 INFO request 7f3c2a1b9d done, 0 errors',
        '2024-05-01 09:01:02,000 ERROR [worker-1] Emission factor missing for 3f2504e0-4f89-11d3-9a0c-0305e82c3301',
      ].join('\n'),
    );
    const result = await runCheck(errorLogsCheck, infra);
    expect(result).toMatchObject({
      status: 'ok',
      value: '5 in 1 h (≈ 120 / 24 h)',
      threshold: '> 1,000 per 24 h (ERROR lines in the last hour × 24)',
      summary: '5 ERROR lines in the last hour across 2 of 2 pods',
    });
    expect(result.details).toEqual([
      '2× Calculation failed for facility <n>: timeout after <n> ms',
      '1× [worker-<n>] Calculation failed for facility <n>: timeout after <n> ms',
      '1× [worker-<n>] Emission factor missing for <id>',
      '1× redis connection lost',
    ]);
    const logRequests = kube.requests.filter((r) => r.path.endsWith('/log'));
    expect(logRequests.map((r) => r.query)).toEqual([
      expect.objectContaining({
        container: 'app',
        sinceSeconds: '3600',
        tailLines: '50',
        limitBytes: String(2 * 1024 * 1024),
      }),
      expect.objectContaining({ container: 'app', sinceSeconds: '3600', tailLines: '50' }),
    ]);
  });

  it('warns when the hourly count × 24 is above the threshold, and says the tail was cut', async () => {
    kube.addPod(namespace, podFixture({ name: 'thermaliq-a', labels: appLabels }));
    const lines = Array.from(
      { length: 60 },
      (_, i) => `2024-05-01T09:${String(i).padStart(2, '0')}:00Z ERROR db pool exhausted (waited ${i} ms)`,
    );
    kube.setPodLogs(namespace, 'thermaliq-a', `${lines.join('\n')}\n`);
    const result = await runCheck(errorLogsCheck, infra);
    // 50 lines read (the tail limit), 50 × 24 = 1,200 > 1,000.
    expect(result).toMatchObject({ status: 'warn', value: '≥ 50 in 1 h (≈ ≥ 1,200 / 24 h)' });
    expect(result.details).toEqual([
      '50× db pool exhausted (waited <n> ms)',
      'thermaliq-a: only the last 50 lines of the hour were read',
    ]);
  });

  it('reads the default container of a multi-container pod', async () => {
    kube.addPod(
      namespace,
      podFixture({
        name: 'thermaliq-a',
        labels: appLabels,
        containers: ['istio-proxy', 'app'],
        annotations: { 'kubectl.kubernetes.io/default-container': 'app' },
      }),
    );
    kube.setPodLogs(namespace, 'thermaliq-a', 'ERROR app failure\n', { container: 'app' });
    kube.setPodLogs(namespace, 'thermaliq-a', 'ERROR proxy noise\n', { container: 'istio-proxy' });
    const result = await runCheck(errorLogsCheck, infra);
    expect(result.details).toEqual(['1× app failure']);
  });

  it('notes pods whose log cannot be read, and is an error when none can', async () => {
    kube.addPod(namespace, podFixture({ name: 'thermaliq-a', labels: appLabels, phase: 'Pending' }));
    const result = await runCheck(errorLogsCheck, infra);
    expect(result.status).toBe('error');
    expect(result.summary).toBe('No pod log could be read (1 pod)');
    expect(result.details?.[0]).toContain('thermaliq-a: log not readable: Kubernetes API answered 400');
  });
});
