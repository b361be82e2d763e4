import type {
  V1ClusterRoleBinding,
  V1Container,
  V1Job,
  V1NetworkPolicy,
  V1Pod,
  V1PodSecurityContext,
  V1RoleBinding,
  V1Service,
} from '@kubernetes/client-node';
import type {
  BindingSummary,
  ContainerSecurity,
  JobPod,
  JobState,
  NetworkPolicySummary,
  PodSecurity,
  ServiceExposure,
} from './kube-security-types.js';

/** Who gets which role from a RoleBinding or ClusterRoleBinding. */
export function bindingSummary(b: V1RoleBinding | V1ClusterRoleBinding): BindingSummary {
  return {
    name: b.metadata?.name ?? '',
    roleKind: b.roleRef.kind,
    roleName: b.roleRef.name,
    subjects: (b.subjects ?? []).map((s) => ({
      kind: s.kind,
      name: s.name,
      ...(s.namespace ? { namespace: s.namespace } : {}),
    })),
  };
}

/** A NetworkPolicy's selector and directions. */
export function networkPolicySummary(p: V1NetworkPolicy): NetworkPolicySummary {
  const labels = Object.entries(p.spec?.podSelector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  const expressions = (p.spec?.podSelector?.matchExpressions ?? []).map(
    (e) => `${e.key} ${e.operator}${e.values ? ` (${e.values.join(',')})` : ''}`,
  );
  const selector = [...labels, ...expressions];
  return {
    name: p.metadata?.name ?? '',
    podSelector: selector.length === 0 ? 'all pods' : selector.join(','),
    // The API defaults policyTypes to Ingress (plus Egress when egress rules exist) when none are given.
    policyTypes: p.spec?.policyTypes ?? ['Ingress', ...(p.spec?.egress ? ['Egress'] : [])],
  };
}

/** A Service's type, ports and LoadBalancer addresses. */
export function serviceExposure(s: V1Service): ServiceExposure {
  return {
    name: s.metadata?.name ?? '',
    type: s.spec?.type ?? 'ClusterIP',
    addresses: (s.status?.loadBalancer?.ingress ?? []).flatMap((i) => [i.hostname ?? i.ip ?? ''].filter(Boolean)),
    ports: (s.spec?.ports ?? []).map((p) => `${p.port}/${p.protocol ?? 'TCP'}`),
  };
}

function containerSecurity(c: V1Container, pod: V1PodSecurityContext | undefined, init: boolean): ContainerSecurity {
  const sc = c.securityContext;
  const runAsUser = sc?.runAsUser ?? pod?.runAsUser;
  const runAsNonRoot = sc?.runAsNonRoot ?? pod?.runAsNonRoot;
  return {
    name: c.name,
    image: c.image ?? '',
    init,
    privileged: sc?.privileged === true,
    ...(runAsUser === undefined ? {} : { runAsUser }),
    ...(runAsNonRoot === undefined ? {} : { runAsNonRoot }),
    ...(sc?.allowPrivilegeEscalation === undefined ? {} : { allowPrivilegeEscalation: sc.allowPrivilegeEscalation }),
  };
}

/** A pod's containers (init containers first) with their effective security settings. */
export function podSecurity(p: V1Pod): PodSecurity {
  const podContext = p.spec?.securityContext;
  return {
    name: p.metadata?.name ?? '',
    containers: [
      ...(p.spec?.initContainers ?? []).map((c) => containerSecurity(c, podContext, true)),
      ...(p.spec?.containers ?? []).map((c) => containerSecurity(c, podContext, false)),
    ],
  };
}

/** A Job's counts and, once finished, the condition that says how. */
export function jobState(j: V1Job): JobState {
  const done = (j.status?.conditions ?? []).find(
    (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
  );
  return {
    name: j.metadata?.name ?? '',
    active: j.status?.active ?? 0,
    succeeded: j.status?.succeeded ?? 0,
    failed: j.status?.failed ?? 0,
    ...(done?.type === 'Complete' || done?.type === 'Failed' ? { finished: done.type } : {}),
    ...(done?.reason ? { reason: done.reason } : {}),
    ...(done?.message ? { message: done.message } : {}),
  };
}

/** A Job pod's phase and how each of its containers ended (or why it is waiting). */
export function jobPod(p: V1Pod): JobPod {
  return {
    name: p.metadata?.name ?? '',
    phase: p.status?.phase ?? 'Unknown',
    containers: (p.status?.containerStatuses ?? []).map((s) => {
      const t = s.state?.terminated;
      return {
        name: s.name,
        ...(t ? { exitCode: t.exitCode } : {}),
        ...(t?.reason ? { reason: t.reason } : {}),
        ...(t?.message ? { message: t.message } : {}),
        ...(s.state?.waiting?.reason ? { waiting: s.state.waiting.reason } : {}),
      };
    }),
  };
}
