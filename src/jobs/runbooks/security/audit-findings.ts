import type {
  BindingSummary,
  NetworkPolicySummary,
  PodSecurity,
  ServiceExposure,
} from '../../../infra/kube-security-types.js';

/** How bad a finding is, worst first. */
export const severities = ['critical', 'high', 'medium', 'low', 'info'] as const;
/** How bad a finding is. */
export type Severity = (typeof severities)[number];

/** The audit's areas, in the guide's order. */
export type AuditArea = 'RBAC' | 'Network policies' | 'Images' | 'Exposed services' | 'Pod security';

/** One thing the audit found, with its severity. */
export interface Finding {
  severity: Severity;
  area: AuditArea;
  text: string;
}

/** Subjects that stand for everyone, or every workload, in the cluster. */
const everyone = new Set(['Group:system:unauthenticated', 'User:system:anonymous']);
const everyAccount = new Set(['Group:system:authenticated', 'Group:system:serviceaccounts']);
/** ClusterRoles that give full or write access to whatever they are bound in. */
const powerful: Record<string, Severity> = { 'cluster-admin': 'high', admin: 'medium', edit: 'medium' };

/** `ServiceAccount ns/name`, `User alice`, `Group system:authenticated`. */
export function subjectText(s: BindingSummary['subjects'][number]): string {
  return `${s.kind} ${s.namespace ? `${s.namespace}/` : ''}${s.name}`;
}

/** `subject → Kind/name` lines of a binding, as the guide's jq prints them. */
export function bindingLines(b: BindingSummary): string[] {
  const role = `${b.roleKind}/${b.roleName}`;
  if (b.subjects.length === 0) return [`${b.name}: (no subjects) → ${role}`];
  return b.subjects.map((s) => `${b.name}: ${subjectText(s)} → ${role}`);
}

/** Whether a ClusterRoleBinding reaches the namespace: a subject lives there, or stands for everyone. */
export function reachesNamespace(b: BindingSummary, namespace: string): boolean {
  return b.subjects.some((s) => {
    const key = `${s.kind}:${s.name}`;
    return (
      (s.kind === 'ServiceAccount' && s.namespace === namespace) ||
      key === `Group:system:serviceaccounts:${namespace}` ||
      everyone.has(key) ||
      everyAccount.has(key)
    );
  });
}

/** The cluster's own bootstrap bindings (system:basic-user, system:public-info-viewer, …) are not findings. */
function isClusterDefault(b: BindingSummary): boolean {
  return b.name.startsWith('system:') && b.roleName.startsWith('system:');
}

/** Findings of the bindings: anything granted to everyone, and the admin-like roles. */
export function bindingFindings(bindings: BindingSummary[], scope: string): Finding[] {
  const out: Finding[] = [];
  for (const b of bindings) {
    if (isClusterDefault(b)) continue;
    const role = `${b.roleKind}/${b.roleName}`;
    for (const s of b.subjects) {
      const key = `${s.kind}:${s.name}`;
      const who = subjectText(s);
      if (everyone.has(key)) {
        out.push({ severity: 'critical', area: 'RBAC', text: `${scope} ${b.name} grants ${role} to ${who} (anyone)` });
      } else if (everyAccount.has(key)) {
        out.push({
          severity: powerful[b.roleName] === undefined ? 'medium' : 'critical',
          area: 'RBAC',
          text: `${scope} ${b.name} grants ${role} to ${who} (every ${s.name === 'system:authenticated' ? 'signed-in user' : 'service account'})`,
        });
      } else if (powerful[b.roleName] !== undefined) {
        out.push({
          severity: powerful[b.roleName] ?? 'medium',
          area: 'RBAC',
          text: `${scope} ${b.name} grants ${role} to ${who}`,
        });
      }
    }
  }
  return out;
}

/** No NetworkPolicy means every pod accepts traffic from anywhere in the cluster. */
export function networkFindings(policies: NetworkPolicySummary[], namespace: string): Finding[] {
  if (policies.length === 0) {
    return [
      {
        severity: 'high',
        area: 'Network policies',
        text: `no NetworkPolicy in ${namespace}: every pod accepts traffic from anywhere`,
      },
    ];
  }
  if (!policies.some((p) => p.policyTypes.includes('Ingress'))) {
    return [
      {
        severity: 'medium',
        area: 'Network policies',
        text: `no NetworkPolicy in ${namespace} restricts ingress (${policies.length} egress-only)`,
      },
    ];
  }
  return [];
}

/** An image reference's tag and digest: `repo:tag@sha256:…`; the tag is after the last `:` of the last path part. */
export function imageTag(image: string): { tag?: string; digest?: string } {
  const [name = '', digest] = image.split('@');
  const last = name.slice(name.lastIndexOf('/') + 1);
  const colon = last.lastIndexOf(':');
  return {
    ...(colon >= 0 ? { tag: last.slice(colon + 1) } : {}),
    ...(digest ? { digest } : {}),
  };
}

/** Images tagged `latest` or not tagged at all (which pulls `latest`) are not reproducible. */
export function imageFindings(images: string[]): Finding[] {
  return images.flatMap((image): Finding[] => {
    const { tag, digest } = imageTag(image);
    if (digest) return [];
    if (tag === undefined) {
      return [{ severity: 'high', area: 'Images', text: `${image} has no tag (pulls latest, not reproducible)` }];
    }
    if (tag === 'latest') return [{ severity: 'high', area: 'Images', text: `${image} is tagged latest` }];
    return [];
  });
}

/** LoadBalancer Services are reachable from outside the cluster; NodePorts from every node. */
export function exposureFindings(services: ServiceExposure[]): Finding[] {
  return services.flatMap((s): Finding[] => {
    if (s.type === 'LoadBalancer') {
      const at = s.addresses.length > 0 ? s.addresses.join(', ') : 'no address assigned yet';
      return [
        {
          severity: 'medium',
          area: 'Exposed services',
          text: `${s.name}: LoadBalancer at ${at} (${s.ports.join(', ')})`,
        },
      ];
    }
    if (s.type === 'NodePort') {
      return [{ severity: 'low', area: 'Exposed services', text: `${s.name}: NodePort (${s.ports.join(', ')})` }];
    }
    return [];
  });
}

/** Privileged containers, root users and privilege escalation, once per container of the pods' template. */
export function podFindings(pods: PodSecurity[]): Finding[] {
  const seen = new Map<string, { finding: Finding; pods: number }>();
  for (const pod of pods) {
    for (const c of pod.containers) {
      const name = `${c.init ? 'init container' : 'container'} ${c.name}`;
      const found: Finding[] = [];
      if (c.privileged) {
        found.push({ severity: 'critical', area: 'Pod security', text: `${name} runs privileged` });
      }
      if (c.runAsUser === 0) {
        found.push({ severity: 'high', area: 'Pod security', text: `${name} runs as root (runAsUser 0)` });
      } else if (c.runAsUser === undefined && c.runAsNonRoot !== true) {
        found.push({
          severity: 'medium',
          area: 'Pod security',
          text: `${name} may run as root: no runAsNonRoot or runAsUser (the image's USER decides)`,
        });
      }
      if (!c.privileged && c.allowPrivilegeEscalation !== false) {
        found.push({
          severity: 'low',
          area: 'Pod security',
          text: `${name} allows privilege escalation (allowPrivilegeEscalation is not false)`,
        });
      }
      for (const f of found) {
        const entry = seen.get(f.text);
        if (entry) entry.pods += 1;
        else seen.set(f.text, { finding: f, pods: 1 });
      }
    }
  }
  return [...seen.values()].map(({ finding, pods }) => ({
    ...finding,
    text: `${finding.text} (${pods} pod${pods === 1 ? '' : 's'})`,
  }));
}

/** Worst first, then by area and text, so the report reads the same every time. */
export function sortFindings(findings: Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      severities.indexOf(a.severity) - severities.indexOf(b.severity) ||
      a.area.localeCompare(b.area) ||
      a.text.localeCompare(b.text),
  );
}
