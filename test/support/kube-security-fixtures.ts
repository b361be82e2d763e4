import type { JsonObject } from './json-value.js';
import { serviceFixture } from './kube-extension-fixtures.js';
import { kubeTime } from './kube-fixtures.js';

/** A subject of a binding, as `kubectl get rolebinding -o json` shows it. */
export interface SubjectFixture {
  kind: 'User' | 'Group' | 'ServiceAccount';
  name: string;
  namespace?: string;
}

function subjects(list: SubjectFixture[]): JsonObject[] {
  return list.map((s): JsonObject => {
    if (s.kind === 'ServiceAccount') return { kind: s.kind, name: s.name, namespace: s.namespace ?? 'default' };
    return { kind: s.kind, apiGroup: 'rbac.authorization.k8s.io', name: s.name };
  });
}

/** A rbac.authorization.k8s.io/v1 RoleBinding of a Role or ClusterRole. */
export function roleBindingFixture(
  namespace: string,
  name: string,
  role: { kind: 'Role' | 'ClusterRole'; name: string },
  who: SubjectFixture[],
): JsonObject {
  return {
    kind: 'RoleBinding',
    apiVersion: 'rbac.authorization.k8s.io/v1',
    metadata: { name, namespace, creationTimestamp: kubeTime(new Date()) },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: role.kind, name: role.name },
    subjects: subjects(who),
  };
}

/** A rbac.authorization.k8s.io/v1 ClusterRoleBinding; `bootstrap` labels it as the cluster's own defaults are. */
export function clusterRoleBindingFixture(
  name: string,
  role: string,
  who: SubjectFixture[],
  bootstrap = false,
): JsonObject {
  return {
    kind: 'ClusterRoleBinding',
    apiVersion: 'rbac.authorization.k8s.io/v1',
    metadata: {
      name,
      creationTimestamp: kubeTime(new Date()),
      ...(bootstrap
        ? {
            labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' },
            annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' },
          }
        : {}),
    },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
    subjects: subjects(who),
  };
}

/** A networking.k8s.io/v1 NetworkPolicy selecting `podLabels` (all pods when empty) for the given directions. */
export function networkPolicyFixture(
  namespace: string,
  name: string,
  podLabels: Record<string, string>,
  policyTypes: ('Ingress' | 'Egress')[],
): JsonObject {
  return {
    kind: 'NetworkPolicy',
    apiVersion: 'networking.k8s.io/v1',
    metadata: { name, namespace, generation: 1, creationTimestamp: kubeTime(new Date()) },
    spec: {
      podSelector: Object.keys(podLabels).length === 0 ? {} : { matchLabels: podLabels },
      ...(policyTypes.includes('Ingress')
        ? { ingress: [{ from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } } }] }] }
        : {}),
      ...(policyTypes.includes('Egress') ? { egress: [{ ports: [{ protocol: 'UDP', port: 53 }] }] } : {}),
      policyTypes,
    },
  };
}

/** A LoadBalancer Service with the address the cloud assigned (a hostname or an IP), or none yet. */
export function loadBalancerServiceFixture(
  namespace: string,
  name: string,
  port: number,
  address?: { hostname: string } | { ip: string },
): JsonObject {
  const svc = serviceFixture(namespace, name, [{ name: 'https', port }]);
  const spec = svc.spec;
  if (spec && typeof spec === 'object' && !Array.isArray(spec)) {
    spec.type = 'LoadBalancer';
    spec.externalTrafficPolicy = 'Cluster';
    spec.allocateLoadBalancerNodePorts = true;
    const ports = spec.ports;
    if (Array.isArray(ports))
      for (const p of ports) if (p && typeof p === 'object' && !Array.isArray(p)) p.nodePort = 31443;
  }
  svc.status = { loadBalancer: address ? { ingress: [{ ...address, ipMode: 'VIP' }] } : {} };
  return svc;
}

/** One vulnerability for {@link trivyReport}. */
export interface TrivyVulnFixture {
  id: string;
  severity: 'UNKNOWN' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';
  pkg: string;
  installed: string;
  fixed?: string;
}

/**
 * What `trivy image --format json` (0.57, schema version 2) prints for an image: OS packages as one result, Python
 * packages as another, each vulnerability with the fields trivy always writes. Printed indented, as trivy does.
 */
export function trivyReport(image: string, osVulns: TrivyVulnFixture[], pythonVulns: TrivyVulnFixture[] = []): string {
  const vuln = (v: TrivyVulnFixture) => ({
    VulnerabilityID: v.id,
    PkgID: `${v.pkg}@${v.installed}`,
    PkgName: v.pkg,
    PkgIdentifier: { PURL: `pkg:deb/debian/${v.pkg}@${v.installed}?arch=amd64&distro=debian-12.8` },
    InstalledVersion: v.installed,
    ...(v.fixed ? { FixedVersion: v.fixed } : {}),
    Status: v.fixed ? 'fixed' : 'affected',
    Layer: { DiffID: `sha256:${'c0'.repeat(32)}` },
    SeveritySource: 'nvd',
    PrimaryURL: `https://avd.aquasec.com/nvd/${v.id.toLowerCase()}`,
    DataSource: {
      ID: 'debian',
      Name: 'Debian Security Tracker',
      URL: 'https://salsa.debian.org/security-tracker-team/security-tracker',
    },
    Title: `${v.pkg}: vulnerability ${v.id}`,
    Severity: v.severity,
    CweIDs: ['CWE-787'],
    PublishedDate: '2024-07-01T13:15:00Z',
    LastModifiedDate: '2024-09-01T10:00:00Z',
  });
  const report = {
    SchemaVersion: 2,
    CreatedAt: new Date().toISOString(),
    ArtifactName: image,
    ArtifactType: 'container_image',
    Metadata: {
      OS: { Family: 'debian', Name: '12.8' },
      ImageID: `sha256:${'ab'.repeat(32)}`,
      RepoTags: [image],
    },
    Results: [
      {
        Target: `${image} (debian 12.8)`,
        Class: 'os-pkgs',
        Type: 'debian',
        ...(osVulns.length > 0 ? { Vulnerabilities: osVulns.map(vuln) } : {}),
      },
      ...(pythonVulns.length > 0
        ? [{ Target: 'Python', Class: 'lang-pkgs', Type: 'python-pkg', Vulnerabilities: pythonVulns.map(vuln) }]
        : []),
    ],
  };
  return `${JSON.stringify(report, null, 2)}\n`;
}
