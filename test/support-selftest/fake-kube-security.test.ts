import { ApiException, BatchV1Api, CoreV1Api, NetworkingV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeKube, kubeConfigFor, startFakeKube } from '../support/fake-kube.js';
import {
  clusterRoleBindingFixture,
  loadBalancerServiceFixture,
  networkPolicyFixture,
  roleBindingFixture,
} from '../support/kube-security-fixtures.js';
import { waitUntil } from '../support/services.js';

const ns = 'scan-ns';

/** A run-once Job with one container per name, as a client would create it. */
function jobBody(containers: string[], restartPolicy = 'Never') {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { generateName: 'probe-' },
    spec: {
      backoffLimit: 0,
      template: {
        spec: { restartPolicy, containers: containers.map((name) => ({ name, image: 'aquasec/trivy:0.57.0' })) },
      },
    },
  };
}

describe('fake Kubernetes: RBAC, network policies, services and Jobs through @kubernetes/client-node', () => {
  let kube: FakeKube;
  let core: CoreV1Api;
  let batch: BatchV1Api;
  let rbac: RbacAuthorizationV1Api;
  let networking: NetworkingV1Api;

  beforeAll(async () => {
    kube = await startFakeKube();
    const kc = kubeConfigFor(kube);
    core = kc.makeApiClient(CoreV1Api);
    batch = kc.makeApiClient(BatchV1Api);
    rbac = kc.makeApiClient(RbacAuthorizationV1Api);
    networking = kc.makeApiClient(NetworkingV1Api);
  });
  afterAll(() => kube.close());

  it('lists RoleBindings per namespace and ClusterRoleBindings cluster-wide, as typed lists', async () => {
    kube.addResource(
      'rbac.authorization.k8s.io',
      'rolebindings',
      ns,
      roleBindingFixture(ns, 'deployers', { kind: 'ClusterRole', name: 'edit' }, [{ kind: 'Group', name: 'devs' }]),
    );
    kube.addResource(
      'rbac.authorization.k8s.io',
      'rolebindings',
      'other',
      roleBindingFixture('other', 'elsewhere', { kind: 'Role', name: 'r' }, [{ kind: 'User', name: 'x' }]),
    );
    kube.addResource(
      'rbac.authorization.k8s.io',
      'clusterrolebindings',
      undefined,
      clusterRoleBindingFixture('ci-admin', 'cluster-admin', [{ kind: 'ServiceAccount', name: 'ci', namespace: ns }]),
    );
    const bindings = await rbac.listNamespacedRoleBinding({ namespace: ns });
    expect(bindings.kind).toBe('RoleBindingList');
    expect(bindings.apiVersion).toBe('rbac.authorization.k8s.io/v1');
    expect(bindings.items.map((b) => [b.metadata?.name, b.roleRef.name, b.subjects?.[0]?.name])).toEqual([
      ['deployers', 'edit', 'devs'],
    ]);
    const cluster = await rbac.listClusterRoleBinding({});
    expect(cluster.items.map((b) => [b.metadata?.name, b.metadata?.namespace, b.subjects?.[0]?.namespace])).toEqual([
      ['ci-admin', undefined, ns],
    ]);
    // Cluster-scoped: there is no namespaced path for it.
    const namespaced = await fetch(
      `${kube.url}/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/clusterrolebindings`,
    );
    expect(namespaced.status).toBe(404);
  });

  it('lists NetworkPolicies and Services with their LoadBalancer status', async () => {
    expect((await networking.listNamespacedNetworkPolicy({ namespace: ns })).items).toEqual([]);
    kube.addResource(
      'networking.k8s.io',
      'networkpolicies',
      ns,
      networkPolicyFixture(ns, 'api-ingress', { app: 'api' }, ['Ingress']),
    );
    const policies = await networking.listNamespacedNetworkPolicy({ namespace: ns });
    expect(policies.kind).toBe('NetworkPolicyList');
    expect(policies.items[0]?.spec?.podSelector?.matchLabels).toEqual({ app: 'api' });
    kube.addResource(
      '',
      'services',
      ns,
      loadBalancerServiceFixture(ns, 'api-public', 443, { hostname: 'lb.example.test' }),
    );
    const services = await core.listNamespacedService({ namespace: ns });
    expect(services.kind).toBe('ServiceList');
    expect(services.items.map((s) => [s.spec?.type, s.status?.loadBalancer?.ingress?.[0]?.hostname])).toEqual([
      ['LoadBalancer', 'lb.example.test'],
    ]);
  });

  it('creates a Job, runs its pod, and ends it as the test says, with per-container logs', async () => {
    kube.jobRunner = () => ({ succeeded: true, logs: { a: 'report a\n', b: 'report b\n' } });
    try {
      const created = await batch.createNamespacedJob({ namespace: ns, body: jobBody(['a', 'b']) });
      const name = created.metadata?.name ?? '';
      expect(name).toMatch(/^probe-[a-z0-9]{5}$/);
      expect(created.spec?.selector?.matchLabels?.['batch.kubernetes.io/controller-uid']).toBe(created.metadata?.uid);
      expect(created.status).toEqual({});
      const done = await waitUntil(
        async () => {
          const job = await batch.readNamespacedJob({ name, namespace: ns });
          return job.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True') ? job : undefined;
        },
        { timeoutMs: 5000, description: 'the Job to complete' },
      );
      expect(done.status?.succeeded).toBe(1);
      expect(done.status?.conditions?.map((c) => c.type)).toEqual(['SuccessCriteriaMet', 'Complete']);
      const pods = await core.listNamespacedPod({
        namespace: ns,
        labelSelector: `batch.kubernetes.io/job-name=${name}`,
      });
      expect(pods.items).toHaveLength(1);
      const pod = pods.items[0];
      expect(pod?.status?.phase).toBe('Succeeded');
      expect(pod?.spec?.restartPolicy).toBe('Never');
      expect(pod?.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'Job', name });
      const podName = pod?.metadata?.name ?? '';
      expect(await core.readNamespacedPodLog({ name: podName, namespace: ns, container: 'b' })).toBe('report b\n');
      // Two containers: the API wants to know which log.
      await expect(core.readNamespacedPodLog({ name: podName, namespace: ns })).rejects.toMatchObject({ code: 400 });

      await batch.deleteNamespacedJob({ name, namespace: ns, propagationPolicy: 'Background' });
      await expect(batch.readNamespacedJob({ name, namespace: ns })).rejects.toMatchObject({ code: 404 });
      expect(
        (await core.listNamespacedPod({ namespace: ns, labelSelector: `batch.kubernetes.io/job-name=${name}` })).items,
      ).toEqual([]);
    } finally {
      kube.jobRunner = undefined;
    }
  });

  it('keeps a Job active until the test fails it, then reports Failed with the container exit code', async () => {
    const created = await batch.createNamespacedJob({ namespace: ns, body: jobBody(['scan']) });
    const name = created.metadata?.name ?? '';
    const running = await waitUntil(
      async () => {
        const job = await batch.readNamespacedJob({ name, namespace: ns });
        return job.status?.active === 1 ? job : undefined;
      },
      { timeoutMs: 5000, description: 'the Job to start' },
    );
    expect(running.status?.conditions).toBeUndefined();
    kube.finishJob(ns, name, { succeeded: false, exitCodes: { scan: 2 }, logs: { scan: 'FATAL image not found\n' } });
    const failed = await batch.readNamespacedJob({ name, namespace: ns });
    expect(failed.status?.failed).toBe(1);
    expect(failed.status?.conditions?.find((c) => c.type === 'Failed')).toMatchObject({
      status: 'True',
      reason: 'BackoffLimitExceeded',
    });
    const [pod] = (await core.listNamespacedPod({ namespace: ns, labelSelector: `job-name=${name}` })).items;
    expect(pod?.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(2);
  });

  it('refuses a Job the API server refuses: no restartPolicy Never/OnFailure (422), a duplicate name (409)', async () => {
    const bad = batch.createNamespacedJob({ namespace: ns, body: jobBody(['x'], 'Always') });
    await expect(bad).rejects.toBeInstanceOf(ApiException);
    await expect(bad).rejects.toMatchObject({ code: 422 });
    const body = { ...jobBody(['x']), metadata: { name: 'fixed-name' } };
    await batch.createNamespacedJob({ namespace: ns, body });
    await expect(batch.createNamespacedJob({ namespace: ns, body })).rejects.toMatchObject({ code: 409 });
    expect(kube.jobs(ns).map((j) => (j.metadata as { name?: string }).name)).toContain('fixed-name');
  });
});
