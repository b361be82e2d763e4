import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { interpolate } from '../../src/config/interpolate.js';
import { parseOpsConfig } from '../../src/config/ops-config.js';
import { createKubeTarget, type KubeTarget } from '../../src/infra/kube.js';
import { createKubeArgoRollouts, type KubeArgoRollouts } from '../../src/infra/kube-argo-rollouts.js';
import { createKubeCertIssuance, type KubeCertIssuance } from '../../src/infra/kube-cert-issuance.js';
import { createDeploymentEnv, type DeploymentEnv } from '../../src/infra/kube-deployment-env.js';
import { createKubeExec, type KubeExec } from '../../src/infra/kube-exec.js';
import { createKubeSecrets, type KubeSecrets } from '../../src/infra/kube-secrets.js';
import { createKubeSecurity, type KubeSecurity } from '../../src/infra/kube-security.js';
import { createKubeWorkloads, type KubeWorkloads } from '../../src/infra/kube-workloads.js';
import { type Bot, createWorld, people, production, runIdOf, startBot, type World } from '../helpers/world.js';
import { guideDumpKinds, makeGuideDump } from '../runbooks/guide-dumps.js';
import { seedGuideTables } from '../runbooks/guide-tables.js';
import { describePermission, type Permission, permissionsOf, ruleAllows } from './kube-permission.js';
import { bindingOf, loadManifests, type Manifest, type PolicyRule, rulesOf } from './manifests.js';

const srcDir = join(import.meta.dirname, '..', '..', 'src');

/** The methods of an adapter object, each called once with plausible arguments. */
type Exercise<T> = {
  [K in keyof T as T[K] extends (...args: never[]) => unknown ? K : never]: (a: T) => Promise<unknown>;
};

/** Every call KubeTarget offers; the type makes a new method a compile error here until it is added. */
const kubeTargetCalls: Exercise<KubeTarget> = {
  listPods: (k) => k.listPods(),
  listNodes: (k) => k.listNodes(),
  podMetrics: (k) => k.podMetrics(),
  readPodLog: (k) => k.readPodLog('thermaliq-rbac-probe'),
  listCertificates: (k) => k.listCertificates(),
  readDeployment: (k) => k.readDeployment(),
  scaleDeployment: (k) => k.scaleDeployment(2),
  annotateDeployment: (k) => k.annotateDeployment({ 'example.test/probe': null }),
  listWarningEvents: (k) => k.listWarningEvents(),
};

/** Every call KubeWorkloads offers (the Kubernetes runbooks' rollout, HPA, certificate and maintenance calls). */
const workloadCalls: Exercise<KubeWorkloads> = {
  readRollout: (k) => k.readRollout(),
  restartDeployment: (k) => k.restartDeployment(new Date()),
  listAutoscalers: (k) => k.listAutoscalers(),
  listCertificates: (k) => k.listCertificates(),
  listWarnings: (k) => k.listWarnings(10),
  readIngress: (k) => k.readIngress('thermaliq'),
  patchIngress: (k) => k.patchIngress('thermaliq', [{ op: 'test', path: '/metadata/name', value: 'thermaliq' }]),
  readService: (k) => k.readService('thermaliq'),
};

/** The exec adapter's calls (deps, script): a WebSocket upgrade of pods/exec. */
const execCalls: Exercise<KubeExec> = {
  exec: (k) => k.exec('thermaliq-rbac-probe', 'app', ['true'], { timeoutMs: 5000 }),
};

/** The security runbooks' calls (security audit, scan image): RBAC, network and service reads, and the scan Job. */
const securityCalls: Exercise<KubeSecurity> = {
  listRoleBindings: (k) => k.listRoleBindings(),
  listClusterRoleBindings: (k) => k.listClusterRoleBindings(),
  listNetworkPolicies: (k) => k.listNetworkPolicies(),
  listServices: (k) => k.listServices(),
  listPodSecurity: (k) => k.listPodSecurity(),
  createScanJob: (k) =>
    k.createScanJob({
      namePrefix: 'rbac-probe',
      scannerImage: 'aquasec/trivy:0.57.0',
      targets: [{ container: 'scan-1', image: 'busybox:1.36' }],
      severities: ['CRITICAL'],
      deadlineSeconds: 60,
      ttlSecondsAfterFinished: 60,
      resources: { cpu: '100m', memory: '128Mi' },
      labels: {},
    }),
  readJob: (k) => k.readJob('rbac-probe'),
  deleteJob: (k) => k.deleteJob('rbac-probe'),
  listJobPods: (k) => k.listJobPods('rbac-probe'),
  readContainerLog: (k) => k.readContainerLog('thermaliq-rbac-probe', 'scan-1', 1024),
};

/** The rotation runbooks' Secret calls, on the Secrets the shipped config names (rotate db-password, internal-cert). */
const secretCalls: Exercise<KubeSecrets> = {
  readSecret: (k) => k.readSecret('postgres-credentials'),
  replaceSecretData: (k) => k.replaceSecretData('thermaliq-internal-tls', { 'tls.crt': 'Y2VydA==', 'tls.key': 'a2V5' }),
};

/** `certs renew`'s cert-manager calls: read the Certificate, mark it Issuing on its status, list its requests. */
const issuanceCalls: Exercise<KubeCertIssuance> = {
  readCertificate: (k) => k.readCertificate('thermaliq-api-tls'),
  markIssuing: (k) => k.markIssuing('thermaliq-api-tls'),
  listRequests: (k) => k.listRequests('thermaliq-api-tls'),
};

/** `rollout …`'s Argo Rollouts calls, on the Rollout the shipped config implies (the deployment's name). */
const rolloutCalls: Exercise<KubeArgoRollouts> = {
  readRollout: (k) => k.readRollout('thermaliq'),
  listRolloutNames: (k) => k.listRolloutNames(),
  listRevisions: async (k) => {
    const r = await k.readRollout('thermaliq');
    return r ? k.listRevisions(r) : [];
  },
  patchStatus: (k) => k.patchStatus('thermaliq', { pauseConditions: null }),
  patchSpec: (k) => k.patchSpec('thermaliq', { paused: false }),
  replaceTemplate: (k) => k.replaceTemplate('thermaliq', { metadata: { labels: { app: 'thermaliq' } }, spec: {} }),
};

/** `tune workers`' calls: read the containers' CPU and env, and `kubectl set env` as one JSON Patch. */
const deploymentEnvCalls: Exercise<DeploymentEnv> = {
  readContainers: (k) => k.readContainers(),
  setEnv: async (k) => {
    const { containers } = await k.readContainers();
    const first = containers[0];
    return first ? k.setEnv(first, [{ name: 'RBAC_PROBE', value: '1' }]) : undefined;
  },
};

/** The adapter files allowed to build Kubernetes API clients: exactly the ones whose calls are exercised above. */
const adapterFiles = [
  'infra/kube.ts',
  'infra/kube-workloads.ts',
  'infra/kube-security.ts',
  'infra/kube-secrets.ts',
  'infra/kube-cert-issuance.ts',
  'infra/kube-argo-rollouts.ts',
  'infra/kube-deployment-env.ts',
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

function functionKeys(obj: object): string[] {
  return Object.entries(obj)
    .filter(([, v]) => typeof v === 'function')
    .map(([k]) => k)
    .sort();
}

/** Calls every method once and records which of them sent at least one request. */
async function exercise<T extends object>(
  world: World,
  adapter: T,
  calls: Record<string, (a: T) => Promise<unknown>>,
): Promise<Record<string, number>> {
  const sent: Record<string, number> = {};
  for (const [name, call] of Object.entries(calls)) {
    const before = world.kube.requests.length;
    // A 404 (no such Ingress here, no autoscaling API in the fake) still shows which request the code sends.
    await call(adapter).catch(() => undefined);
    sent[name] = world.kube.requests.length - before;
  }
  return sent;
}

describe('RBAC: deploy/kubernetes grants exactly the Kubernetes API calls the code makes', () => {
  let world: World;
  let bot: Bot;
  const manifests = loadManifests();
  const byKind = (kind: string) => manifests.filter((m) => m.kind === kind);
  /** Every permission the code needed, from the runbooks run through the bot and from each adapter method. */
  let needed: Permission[] = [];
  const fromFlows: Record<string, Permission[]> = {};
  /** Adapter methods that sent no request (their permissions would go unchecked). */
  let silentMethods: string[] = [];

  beforeAll(async () => {
    world = await createWorld();
    bot = await startBot(world);
    const mark = () => world.kube.requests.length;
    const since = (start: number) => world.kube.requests.slice(start).flatMap(permissionsOf);

    // The health runbook, as a viewer would run it.
    let start = mark();
    const health = runIdOf(await bot.command('health', { user: people.viewer }));
    await bot.finalMessage(health, 60_000);
    fromFlows.health = since(start);

    // The restore runbook, approved and run to the end: plan, scale down, restore, verify, scale up.
    const key = `${world.backupPrefix}rbac-restore.sql.gz`;
    // A real backup, as the VCCI guide's CronJob makes it.
    await seedGuideTables(world.target.url);
    await world.s3.putObject(
      world.s3.bucket,
      key,
      await makeGuideDump(world.target.url, guideDumpKinds[0]?.command ?? ''),
    );
    start = mark();
    const restore = runIdOf(await bot.command(`restore ${key}`, { user: people.operator }));
    const { approvalId } = await bot.approvalMessage(restore, { timeoutMs: 30_000 });
    await bot.click('approval_approve', approvalId, { user: people.approver });
    await bot.runStatus(restore, 'succeeded', 60_000);
    fromFlows.restore = since(start);

    // Every adapter method, so calls no runbook has made yet in this test are covered too.
    const kubeConfig = production(world.config).kubernetes;
    if (!kubeConfig) throw new Error('the test world has no Kubernetes target');
    start = mark();
    const targetSent = await exercise(world, createKubeTarget(kubeConfig, 'rbac'), kubeTargetCalls);
    const workloadsSent = await exercise(world, createKubeWorkloads(kubeConfig, 'rbac'), workloadCalls);
    const execSent = await exercise(world, createKubeExec(kubeConfig, 'rbac'), execCalls);
    const securitySent = await exercise(world, createKubeSecurity(kubeConfig, 'rbac'), securityCalls);
    // The Secrets the rotations change, as the shipped config names them.
    world.kube.addSecret(world.namespace, 'postgres-credentials', 'Opaque', { password: 'rbac-probe' });
    world.kube.addSecret(world.namespace, 'thermaliq-internal-tls', 'kubernetes.io/tls', {
      'tls.crt': 'c',
      'tls.key': 'k',
    });
    const secretsSent = await exercise(world, createKubeSecrets(kubeConfig, 'rbac'), secretCalls);
    const issuanceSent = await exercise(world, createKubeCertIssuance(kubeConfig, 'rbac'), issuanceCalls);
    world.kube.argo.addRollout(world.namespace, 'thermaliq', { image: 'rbac:2', history: ['rbac:1'] });
    const rolloutSent = await exercise(world, createKubeArgoRollouts(kubeConfig, 'rbac'), rolloutCalls);
    const deploymentEnvSent = await exercise(world, createDeploymentEnv(kubeConfig, 'rbac'), deploymentEnvCalls);
    fromFlows.adapters = since(start);
    silentMethods = Object.entries({
      ...targetSent,
      ...workloadsSent,
      ...execSent,
      ...securitySent,
      ...secretsSent,
      ...issuanceSent,
      ...rolloutSent,
      ...deploymentEnvSent,
    })
      .filter(([, n]) => n === 0)
      .map(([name]) => name);

    needed = [...(fromFlows.health ?? []), ...(fromFlows.restore ?? []), ...(fromFlows.adapters ?? [])];
  }, 180_000);
  afterAll(async () => {
    await bot?.stop();
    await world?.close();
  });

  /** The ServiceAccount both Deployments run as. */
  const serviceAccount = () => {
    const accounts = new Set(
      byKind('Deployment').map(
        (d) =>
          z
            .object({ spec: z.object({ template: z.object({ spec: z.object({ serviceAccountName: z.string() }) }) }) })
            .parse(d.body).spec.template.spec.serviceAccountName,
      ),
    );
    expect([...accounts]).toHaveLength(1);
    const name = [...accounts][0] ?? '';
    const sa = byKind('ServiceAccount').find((s) => s.name === name);
    expect(sa, `ServiceAccount ${name}`).toBeDefined();
    return { name, namespace: sa?.namespace ?? '' };
  };

  /** The rules bound to the service account: per namespace from RoleBindings, cluster-wide from ClusterRoleBindings. */
  const grants = () => {
    const sa = serviceAccount();
    const boundToSa = (m: Manifest) =>
      bindingOf(m).subjects.some(
        (s) => s.kind === 'ServiceAccount' && s.name === sa.name && s.namespace === sa.namespace,
      );
    const clusterRules: PolicyRule[] = byKind('ClusterRoleBinding')
      .filter(boundToSa)
      .flatMap((b) => {
        const role = byKind('ClusterRole').find((r) => r.name === bindingOf(b).roleRef.name);
        expect(role, `ClusterRole ${bindingOf(b).roleRef.name}`).toBeDefined();
        return role ? rulesOf(role) : [];
      });
    const namespaceRules = new Map<string, PolicyRule[]>();
    for (const b of byKind('RoleBinding').filter(boundToSa)) {
      const ref = bindingOf(b).roleRef;
      expect(ref.kind).toBe('Role');
      const role = byKind('Role').find((r) => r.name === ref.name && r.namespace === b.namespace);
      expect(role, `Role ${ref.name} in ${b.namespace}`).toBeDefined();
      if (role && b.namespace)
        namespaceRules.set(b.namespace, [...(namespaceRules.get(b.namespace) ?? []), ...rulesOf(role)]);
    }
    return { clusterRules, namespaceRules };
  };

  const allowed = (p: Permission) => {
    const { clusterRules, namespaceRules } = grants();
    if (clusterRules.some((r) => ruleAllows(r, p))) return true;
    return p.namespace !== undefined && (namespaceRules.get(p.namespace) ?? []).some((r) => ruleAllows(r, p));
  };

  it('ran the runbooks and every adapter method against the fake API (a check over no calls would pass)', () => {
    const paths = (ps: Permission[] | undefined) => new Set((ps ?? []).map(describePermission));
    expect(paths(fromFlows.health)).toContain(`list core/nodes (cluster)`);
    expect(paths(fromFlows.health)).toContain(`list core/pods in ${world.namespace}`);
    expect(paths(fromFlows.restore)).toContain(`patch apps/deployments/scale thermaliq in ${world.namespace}`);
    expect(paths(fromFlows.restore)).toContain(`get apps/deployments thermaliq in ${world.namespace}`);
    expect(paths(fromFlows.adapters)).toContain(`create core/pods/exec thermaliq-rbac-probe in ${world.namespace}`);
    expect(silentMethods, 'adapter methods that sent no request').toEqual([]);
  });

  it('the exercise tables list every method of the adapters, and only those files build Kubernetes clients', () => {
    const kubeConfig = production(world.config).kubernetes;
    if (!kubeConfig) throw new Error('no Kubernetes target');
    expect(functionKeys(createKubeTarget(kubeConfig, 'x'))).toEqual(Object.keys(kubeTargetCalls).sort());
    expect(functionKeys(createKubeWorkloads(kubeConfig, 'x'))).toEqual(Object.keys(workloadCalls).sort());
    expect(functionKeys(createKubeExec(kubeConfig, 'x'))).toEqual(Object.keys(execCalls).sort());
    expect(functionKeys(createKubeSecrets(kubeConfig, 'x'))).toEqual(Object.keys(secretCalls).sort());
    expect(functionKeys(createKubeCertIssuance(kubeConfig, 'x'))).toEqual(Object.keys(issuanceCalls).sort());
    expect(functionKeys(createKubeSecurity(kubeConfig, 'x'))).toEqual(Object.keys(securityCalls).sort());
    expect(functionKeys(createKubeArgoRollouts(kubeConfig, 'x'))).toEqual(Object.keys(rolloutCalls).sort());
    expect(functionKeys(createDeploymentEnv(kubeConfig, 'x'))).toEqual(Object.keys(deploymentEnvCalls).sort());
    const filesWith = (needle: string) =>
      sourceFiles(srcDir)
        .filter((f) => readFileSync(f, 'utf8').includes(needle))
        .map((f) => relative(srcDir, f).split('\\').join('/'))
        .sort();
    // Clients are built in one place, and only the two exercised adapters call through it.
    expect(filesWith('makeApiClient(')).toEqual(['infra/kube-call.ts']);
    // Exec goes over a WebSocket, not an API client: one adapter opens it, and its one method is exercised above.
    expect(filesWith('new lib.Exec(')).toEqual(['infra/kube-exec.ts']);
    expect(filesWith('kubeCaller(').filter((f) => f !== 'infra/kube-call.ts')).toEqual([...adapterFiles].sort());
  });

  it('allows every call the code made', () => {
    const denied = [...new Set(needed.filter((p) => !allowed(p)).map(describePermission))];
    expect(denied, 'calls the Role/ClusterRole do not allow').toEqual([]);
  });

  it('grants nothing that no call used: every verb on every resource of every rule is needed', () => {
    const { clusterRules, namespaceRules } = grants();
    const unused: string[] = [];
    const check = (rules: PolicyRule[], where: string, scope: (p: Permission) => boolean) => {
      for (const rule of rules) {
        for (const apiGroup of rule.apiGroups) {
          for (const resource of rule.resources) {
            for (const verb of rule.verbs) {
              const narrow: PolicyRule = { ...rule, apiGroups: [apiGroup], resources: [resource], verbs: [verb] };
              if (!needed.some((p) => scope(p) && ruleAllows(narrow, p))) {
                unused.push(`${verb} ${apiGroup || 'core'}/${resource} (${where})`);
              }
            }
          }
        }
      }
    };
    check(clusterRules, 'ClusterRole', () => true);
    const worldRules = namespaceRules.get(world.namespace);
    expect(worldRules, `a Role in ${world.namespace}`).toBeDefined();
    check(worldRules ?? [], `Role in ${world.namespace}`, (p) => p.namespace === world.namespace);
    expect(unused, 'grants no call needs').toEqual([]);
  });

  it('uses no wildcards, and the cluster-wide grants are only nodes and the audit’s bindings read, apart from the namespaced Roles', () => {
    const all = [...byKind('Role'), ...byKind('ClusterRole')].flatMap(rulesOf);
    const wild = all.filter((r) => [...r.apiGroups, ...r.resources, ...r.verbs].includes('*'));
    expect(wild).toEqual([]);
    const { clusterRules } = grants();
    expect(clusterRules.flatMap((r) => r.resources).sort()).toEqual(['clusterrolebindings', 'nodes']);
    expect(
      byKind('ClusterRole')
        .map((r) => r.file)
        .sort(),
    ).toEqual(['clusterrole-nodes.yaml', 'clusterrole-security-audit.yaml']);
  });

  it('has the same Role in every namespace the shipped ops config manages, naming that namespace’s deployment', () => {
    const configMap = byKind('ConfigMap').find((m) => m.name === 'thermaliq-chatops-ops-config');
    const text = z.object({ data: z.object({ 'ops.yml': z.string() }) }).parse(configMap?.body).data['ops.yml'];
    const config = parseOpsConfig(interpolate(parseYaml(text), {}));
    const managed = new Map<string, string>();
    /** The Secrets the rotations may change in each namespace: exactly those its environment's config names. */
    const secretNames = new Map<string, string[]>();
    for (const svc of Object.values(config.services)) {
      for (const env of Object.values(svc.environments)) {
        if (env.kubernetes) managed.set(env.kubernetes.namespace, env.kubernetes.deployment);
        const names = [env.secrets?.database?.secret, env.secrets?.internalCert?.secret].flatMap((n) => (n ? [n] : []));
        if (env.kubernetes) secretNames.set(env.kubernetes.namespace, names.sort());
      }
    }
    const { namespaceRules } = grants();
    expect([...namespaceRules.keys()].sort()).toEqual([...managed.keys()].sort());
    const worldDeployment = production(world.config).kubernetes?.deployment ?? '';
    for (const [namespace, names] of secretNames) {
      const secretRules = (namespaceRules.get(namespace) ?? []).filter((r) => r.resources.includes('secrets'));
      expect(
        secretRules.map((r) => ({ ...r, resourceNames: [...(r.resourceNames ?? [])].sort() })),
        `secrets in ${namespace}`,
      ).toEqual(
        names.length === 0
          ? []
          : [{ apiGroups: [''], resources: ['secrets'], resourceNames: names, verbs: ['get', 'update'] }],
      );
    }
    // Beyond the Secrets (checked above against each namespace's config), every Role is the same.
    const shape = (rules: PolicyRule[], deployment: string) =>
      JSON.stringify(
        rules
          .filter((r) => !r.resources.includes('secrets'))
          .map((r) => ({
            ...r,
            resourceNames: r.resourceNames?.map((n) => (n === deployment ? '<deployment>' : n)),
          })),
      );
    const reference = shape(namespaceRules.get(world.namespace) ?? [], worldDeployment);
    for (const [namespace, deployment] of managed) {
      expect(shape(namespaceRules.get(namespace) ?? [], deployment), namespace).toBe(reference);
    }
  });
});
