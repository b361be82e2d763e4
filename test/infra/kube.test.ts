import type { IncomingMessage } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { KubernetesTarget } from '../../src/config/ops-config.js';
import { ConfigError } from '../../src/errors.js';
import { createKubeTarget, type KubeTarget } from '../../src/infra/kube.js';
import { KubeApiError } from '../../src/infra/kube-errors.js';
import { type FakeKube, startFakeKube } from '../support/fake-kube.js';
import { podFixture } from '../support/kube-fixtures.js';
import { startLocalHttpServer } from '../support/local-http-server.js';
import { closedPort } from '../support/services.js';

const namespace = 'thermaliq-production';
const labels = { app: 'thermaliq' };

function targetFor(server: string, overrides: Partial<KubernetesTarget> = {}): KubernetesTarget {
  return {
    namespace,
    deployment: 'thermaliq',
    labelSelector: 'app=thermaliq',
    cluster: { server, token: 'fake-token', skipTLSVerify: true, inCluster: false },
    certificates: [],
    logTailLines: 1000,
    ...overrides,
  };
}

describe('KubeTarget against the fake API server', () => {
  let fake: FakeKube;
  let kube: KubeTarget;

  beforeAll(async () => {
    fake = await startFakeKube();
    kube = createKubeTarget(targetFor(fake.url), 'kubernetes');
  });
  afterEach(() => fake.clearFaults());
  afterAll(() => fake.close());

  it('lists the selected pods with phase, readiness, restarts and waiting reasons', async () => {
    fake.addPod(namespace, podFixture({ name: 'thermaliq-a', labels }));
    fake.addPod(
      namespace,
      podFixture({
        name: 'thermaliq-b',
        labels,
        waitingReason: 'CrashLoopBackOff',
        restarts: 12,
        lastTerminationReason: 'OOMKilled',
      }),
    );
    fake.addPod(namespace, podFixture({ name: 'other', labels: { app: 'other' } }));

    const pods = await kube.listPods();

    expect(pods.map((p) => p.name).sort()).toEqual(['thermaliq-a', 'thermaliq-b']);
    const crashing = pods.find((p) => p.name === 'thermaliq-b');
    expect(crashing).toMatchObject({ phase: 'Running', ready: false, restarts: 12, logContainer: 'app' });
    expect(crashing?.containers[0]).toMatchObject({
      state: 'waiting',
      reason: 'CrashLoopBackOff',
      lastTerminationReason: 'OOMKilled',
    });
    expect(pods.find((p) => p.name === 'thermaliq-a')).toMatchObject({ ready: true, restarts: 0, terminating: false });
    expect(fake.requests.at(-1)?.query.labelSelector).toBe('app=thermaliq');
  });

  it('lists nodes with their Ready condition', async () => {
    fake.addNode('node-1', true);
    fake.addNode('node-2', false);
    const nodes = await kube.listNodes();
    expect(nodes.find((n) => n.name === 'node-1')?.ready).toBe(true);
    expect(nodes.find((n) => n.name === 'node-2')).toMatchObject({ ready: false, reason: 'KubeletNotReady' });
  });

  it('reads pod metrics, and gives undefined when metrics.k8s.io is absent', async () => {
    fake.addPod(namespace, podFixture({ name: 'thermaliq-m', labels }));
    fake.setPodMetrics(namespace, 'thermaliq-m', { cpu: '250m', memory: '512Mi' });
    const usage = await kube.podMetrics();
    const pod = usage?.find((u) => u.name === 'thermaliq-m');
    expect(pod?.cpuCores).toBeCloseTo(0.25, 6);
    expect(pod?.memoryBytes).toBe(512 * 1024 * 1024);

    fake.metricsAvailable = false;
    try {
      expect(await kube.podMetrics()).toBeUndefined();
    } finally {
      fake.metricsAvailable = true;
    }
  });

  it('reads a pod log with tailLines and limitBytes', async () => {
    fake.addPod(namespace, podFixture({ name: 'thermaliq-log', labels }));
    fake.setPodLogs(namespace, 'thermaliq-log', 'one\ntwo\nthree\n');
    const log = await kube.readPodLog('thermaliq-log', {
      container: 'app',
      sinceSeconds: 3600,
      tailLines: 2,
      limitBytes: 1024,
    });
    expect(log).toBe('two\nthree\n');
    expect(fake.requests.at(-1)?.query).toMatchObject({
      container: 'app',
      sinceSeconds: '3600',
      tailLines: '2',
      limitBytes: '1024',
    });
  });

  it('lists cert-manager Certificates, only the configured names when given', async () => {
    const notAfter = new Date(Date.now() + 40 * 86_400_000);
    fake.addCertificate(namespace, 'api-tls', { notAfter, ready: true, dnsNames: ['api.example.com'] });
    fake.addCertificate(namespace, 'old-tls', { notAfter, ready: false, dnsNames: ['old.example.com'] });

    const all = await kube.listCertificates();
    expect(all?.map((c) => c.name).sort()).toEqual(['api-tls', 'old-tls']);
    expect(all?.find((c) => c.name === 'old-tls')?.ready).toBe(false);
    expect(all?.find((c) => c.name === 'api-tls')?.notAfter?.getTime()).toBe(
      Math.floor(notAfter.getTime() / 1000) * 1000,
    );

    const named = createKubeTarget(targetFor(fake.url, { certificates: ['api-tls'] }), 'kubernetes');
    expect((await named.listCertificates())?.map((c) => c.name)).toEqual(['api-tls']);
  });

  it('gives undefined certificates when cert-manager is not installed (404)', async () => {
    fake.failWith(/cert-manager\.io/, 404, { message: 'the server could not find the requested resource' });
    expect(await kube.listCertificates()).toBeUndefined();
  });

  it('reads and scales the deployment with a merge patch on the scale subresource', async () => {
    fake.addDeployment(namespace, 'thermaliq', { replicas: 3 });
    expect(await kube.readDeployment()).toMatchObject({ name: 'thermaliq', replicas: 3 });

    expect(await kube.scaleDeployment(0)).toBe(0);

    const patch = fake.requests.find((r) => r.method === 'PATCH' && r.path.endsWith('/deployments/thermaliq/scale'));
    expect(patch?.contentType).toBe('application/merge-patch+json');
    expect(patch?.body).toEqual({ spec: { replicas: 0 } });
    expect(fake.deployment(namespace, 'thermaliq')).toMatchObject({ spec: { replicas: 0 } });
  });

  it('lists only Warning events, newest first', async () => {
    const now = Date.now();
    fake.addEvent(namespace, {
      type: 'Warning',
      reason: 'BackOff',
      message: 'Back-off restarting failed container',
      involvedObject: { kind: 'Pod', name: 'thermaliq-b' },
      lastTimestamp: new Date(now - 60_000),
    });
    fake.addEvent(namespace, {
      type: 'Warning',
      reason: 'Unhealthy',
      message: 'Readiness probe failed',
      involvedObject: { kind: 'Pod', name: 'thermaliq-a' },
      lastTimestamp: new Date(now - 1_000),
    });
    fake.addEvent(namespace, {
      reason: 'Scheduled',
      message: 'assigned',
      involvedObject: { kind: 'Pod', name: 'thermaliq-a' },
    });

    const events = await kube.listWarningEvents();

    expect(events.map((e) => e.reason)).toEqual(['Unhealthy', 'BackOff']);
    expect(events[0]).toMatchObject({ object: 'Pod/thermaliq-a', message: 'Readiness probe failed' });
  });

  it('maps an error Status to KubeApiError with the HTTP code and the Status message', async () => {
    fake.failWith(/\/pods$/, 500, { message: 'etcdserver: request timed out' });
    const err = await kube.listPods().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeApiError);
    expect(err).toMatchObject({ code: 500, reason: 'InternalError' });
    expect(String(err)).toContain('500');
    expect(String(err)).toContain('etcdserver: request timed out');
  });

  it('stops waiting when the signal aborts, even if the server never answers', async () => {
    fake.hang(/\/pods$/);
    const signal = AbortSignal.timeout(100);
    const err = await kube.listPods({ signal }).catch((e: unknown) => e);
    expect(err).toBe(signal.reason);
  });
});

describe('KubeTarget request cancellation', () => {
  it('closes the HTTP request on abort instead of leaving it open', async () => {
    let closed!: () => void;
    const requestClosed = new Promise<void>((resolve) => {
      closed = resolve;
    });
    let arrived!: () => void;
    const requestArrived = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    // Answers nothing: only the client giving up ends the request.
    const silent = await startLocalHttpServer((req: IncomingMessage) => {
      req.socket.once('close', () => closed());
      arrived();
    });
    try {
      const kube = createKubeTarget(targetFor(silent.origin), 'kubernetes');
      const controller = new AbortController();
      const listing = kube.listNodes({ signal: controller.signal }).catch((e: unknown) => e);
      await requestArrived;
      controller.abort(new Error('cancelled by test'));
      expect(await listing).toMatchObject({ message: 'cancelled by test' });
      await requestClosed;
    } finally {
      await silent.close();
    }
  });

  it('says the API server is unreachable when nothing listens', async () => {
    const port = await closedPort();
    const kube = createKubeTarget(targetFor(`http://127.0.0.1:${port}`), 'kubernetes');
    await expect(kube.listNodes()).rejects.toThrow(/Kubernetes API unreachable \(list nodes\).*ECONNREFUSED/);
  });

  it('refuses a plain-http server unless skipTLSVerify is set, naming the key', async () => {
    const target = targetFor('http://127.0.0.1:1');
    const kube = createKubeTarget(
      { ...target, cluster: { server: 'http://127.0.0.1:1', token: 't', skipTLSVerify: false, inCluster: false } },
      'services.thermaliq.environments.production.kubernetes',
    );
    const err = await kube.listPods().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(String(err)).toContain('services.thermaliq.environments.production.kubernetes.cluster.skipTLSVerify');
  });
});
