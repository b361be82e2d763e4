import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Bot, createWorld, people, runIdOf, startBot, type World } from '../helpers/world.js';
import { isJsonObject, type JsonObject } from '../support/json-value.js';
import {
  clusterRoleBindingFixture,
  loadBalancerServiceFixture,
  networkPolicyFixture,
  roleBindingFixture,
} from '../support/kube-security-fixtures.js';

type Reply = { response_type?: string; text?: string };

const rbacGroup = 'rbac.authorization.k8s.io';
const textOf = (m: { blocks?: unknown } | undefined) => JSON.stringify(m?.blocks ?? '');

/** Makes the first container of a pod privileged and root, the way a debug sidecar left behind would be. */
function makeRootAndPrivileged(pod: JsonObject): void {
  const spec = pod.spec;
  if (!isJsonObject(spec) || !Array.isArray(spec.containers)) throw new Error('pod without containers');
  const [first] = spec.containers;
  if (!isJsonObject(first)) throw new Error('pod without containers');
  first.securityContext = { privileged: true, runAsUser: 0 };
}

describe('security audit from Slack', () => {
  let world: World;
  let bot: Bot;

  beforeAll(async () => {
    world = await createWorld();
    bot = await startBot(world);
  });
  afterAll(async () => {
    await bot?.stop();
    await world?.close();
  });

  async function run(text: string) {
    const reply = await bot.command(text, { user: people.viewer });
    const runId = runIdOf(reply);
    const final = await bot.finalMessage(runId);
    return { runId, ts: final.ts, text: textOf(final) };
  }

  it('reports bindings, missing network policies, latest images, LoadBalancers and root pods by severity, with the detail as a file', async () => {
    const { kube, namespace: ns } = world;
    kube.addResource(
      rbacGroup,
      'rolebindings',
      ns,
      roleBindingFixture(ns, 'deployers', { kind: 'ClusterRole', name: 'edit' }, [
        { kind: 'Group', name: 'platform-devs' },
      ]),
    );
    kube.addResource(
      rbacGroup,
      'rolebindings',
      ns,
      roleBindingFixture(ns, 'app-reader', { kind: 'Role', name: 'config-reader' }, [
        { kind: 'ServiceAccount', name: 'thermaliq', namespace: ns },
      ]),
    );
    kube.addResource(
      rbacGroup,
      'clusterrolebindings',
      undefined,
      clusterRoleBindingFixture('thermaliq-ci-admin', 'cluster-admin', [
        { kind: 'ServiceAccount', name: 'ci', namespace: ns },
      ]),
    );
    // The cluster's own default: not a finding, and a binding of another namespace is not listed at all.
    kube.addResource(
      rbacGroup,
      'clusterrolebindings',
      undefined,
      clusterRoleBindingFixture(
        'system:basic-user',
        'system:basic-user',
        [{ kind: 'Group', name: 'system:authenticated' }],
        true,
      ),
    );
    kube.addResource(
      rbacGroup,
      'clusterrolebindings',
      undefined,
      clusterRoleBindingFixture('other-admin', 'cluster-admin', [
        { kind: 'ServiceAccount', name: 'x', namespace: 'other' },
      ]),
    );
    kube.addResource(
      '',
      'services',
      ns,
      loadBalancerServiceFixture(ns, 'thermaliq-public', 443, { hostname: 'lb-1.elb.example.test' }),
    );
    const [pod] = kube.pods(ns);
    const podName = (pod?.metadata as { name?: string } | undefined)?.name ?? '';
    kube.updatePod(ns, podName, (p) => {
      makeRootAndPrivileged(p);
      const spec = p.spec;
      if (isJsonObject(spec)) {
        spec.initContainers = [
          { name: 'debug', image: 'busybox', securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false } },
        ];
      }
    });

    const uploadsBefore = world.slack.uploads().length;
    const audit = await run('security audit');
    expect(audit.text).toContain(
      'Security audit of GL-009 THERMALIQ (production): 1 critical, 4 high, 3 medium, 1 low',
    );
    // One line per area, each with its worst finding.
    expect(audit.text).toContain(
      'ClusterRoleBinding thermaliq-ci-admin grants ClusterRole/cluster-admin to ServiceAccount',
    );
    expect(audit.text).toContain(`no NetworkPolicy in ${ns}: every pod accepts traffic from anywhere`);
    expect(audit.text).toContain('busybox has no tag (pulls latest, not reproducible)');
    expect(audit.text).toContain('thermaliq-public: LoadBalancer at lb-1.elb.example.test (443/TCP)');
    expect(audit.text).toContain('container app runs privileged (1 pod)');

    const file = world.slack
      .uploads()
      .slice(uploadsBefore)
      .find((u) => u.filename.startsWith('security_audit_'));
    expect(file).toBeDefined();
    const md = file?.bytes.toString('utf8') ?? '';
    expect(md).toContain(`- deployers: Group platform-devs → ClusterRole/edit`);
    expect(md).toContain(`- app-reader: ServiceAccount ${ns}/thermaliq → Role/config-reader`);
    expect(md).toContain(`- thermaliq-ci-admin: ServiceAccount ${ns}/ci → ClusterRole/cluster-admin`);
    expect(md).not.toContain('other-admin');
    expect(md).toContain('- **MEDIUM** RBAC: RoleBinding deployers grants ClusterRole/edit to Group platform-devs');
    expect(md).toContain('- **HIGH** Pod security: container app runs as root (runAsUser 0) (1 pod)');
    expect(md).toContain('- **MEDIUM** Pod security: container app may run as root');
    expect(md).not.toContain('init container debug may run as root');
    // The cluster's default binding reaches the namespace (every signed-in user), so it is listed, not flagged.
    expect(md).toContain('- system:basic-user: Group system:authenticated → ClusterRole/system:basic-user');
    expect(md).not.toContain('RBAC: ClusterRoleBinding system:basic-user');

    // With a policy restricting ingress, the network finding goes.
    kube.addResource(
      'networking.k8s.io',
      'networkpolicies',
      ns,
      networkPolicyFixture(ns, 'default-deny', {}, ['Ingress']),
    );
    const again = await run('security audit');
    expect(again.text).toContain('1 critical, 3 high, 3 medium, 1 low');
    expect(again.text).not.toContain('no NetworkPolicy');
  });

  it('reports an area it may not read as an error with the API’s reason, and still reports the rest', async () => {
    const { kube, namespace: ns } = world;
    kube.failWith(/\/clusterrolebindings$/, 403, {
      message: `clusterrolebindings.rbac.authorization.k8s.io is forbidden: User "system:serviceaccount:${ns}:thermaliq-chatops" cannot list resource "clusterrolebindings" in API group "rbac.authorization.k8s.io" at the cluster scope`,
    });
    try {
      const audit = await run('security audit');
      expect(audit.text).toContain('could not read RBAC');
      expect(audit.text).toContain('Kubernetes API answered 403 Forbidden to list clusterrolebindings');
      expect(audit.text).toContain('thermaliq-public: LoadBalancer');
    } finally {
      kube.clearFaults();
    }
  });

  it.each([
    ['security audit now', 'Extra word "now": security audit takes no words after its name.'],
    ['security audit --verbose yes', 'security audit does not take --verbose'],
  ])('refuses "%s" with a specific reason, before calling the Kubernetes API', async (text, reason) => {
    const before = world.kube.requests.length;
    const reply = await bot.command(text, { user: people.viewer });
    const json = reply.json as Reply;
    expect(json.response_type).toBe('ephemeral');
    expect(json.text).toContain(reason);
    expect(world.kube.requests.slice(before)).toEqual([]);
  });
});
