import type { CoreV1Event, V1ContainerStatus, V1Deployment, V1Node, V1Pod } from '@kubernetes/client-node';
import { z } from 'zod';
import { parseQuantity } from './kube-quantity.js';
import type {
  CertificateStatus,
  ContainerSummary,
  DeploymentSummary,
  NodeSummary,
  PodSummary,
  PodUsage,
  WarningEvent,
} from './kube-types.js';

function containerSummary(status: V1ContainerStatus, init: boolean): ContainerSummary {
  const { running, waiting, terminated } = status.state ?? {};
  const state = running ? 'running' : waiting ? 'waiting' : terminated ? 'terminated' : 'unknown';
  return {
    name: init ? `init:${status.name}` : status.name,
    ready: status.ready,
    restarts: status.restartCount,
    state,
    reason: waiting?.reason ?? terminated?.reason,
    lastTerminationReason: status.lastState?.terminated?.reason,
  };
}

function summedLimit(pod: V1Pod, resource: 'cpu' | 'memory'): number | undefined {
  let total = 0;
  for (const container of pod.spec?.containers ?? []) {
    const value = parseQuantity(container.resources?.limits?.[resource]);
    // One container without a limit makes the pod's limit unbounded.
    if (value === undefined) return undefined;
    total += value;
  }
  return total;
}

/** The parts of a pod the checks and runbooks use. */
export function podSummary(pod: V1Pod): PodSummary {
  const status = pod.status;
  const containers = [
    ...(status?.initContainerStatuses ?? []).map((s) => containerSummary(s, true)),
    ...(status?.containerStatuses ?? []).map((s) => containerSummary(s, false)),
  ];
  const annotated = pod.metadata?.annotations?.['kubectl.kubernetes.io/default-container'];
  return {
    name: pod.metadata?.name ?? '(unnamed)',
    phase: status?.phase ?? 'Unknown',
    ready: status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    terminating: pod.metadata?.deletionTimestamp !== undefined,
    restarts: containers.reduce((sum, c) => sum + c.restarts, 0),
    containers,
    logContainer: annotated ?? pod.spec?.containers[0]?.name,
    nodeName: pod.spec?.nodeName,
    startTime: status?.startTime,
    limits: { cpuCores: summedLimit(pod, 'cpu'), memoryBytes: summedLimit(pod, 'memory') },
  };
}

/** A node's readiness as its kubelet reports it. */
export function nodeSummary(node: V1Node): NodeSummary {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  return {
    name: node.metadata?.name ?? '(unnamed)',
    ready: ready?.status === 'True',
    reason: ready?.status === 'True' ? undefined : (ready?.reason ?? ready?.message ?? 'no Ready condition'),
    unschedulable: node.spec?.unschedulable === true,
    kubeletVersion: node.status?.nodeInfo?.kubeletVersion,
  };
}

/** Desired versus observed replicas of a deployment. */
export function deploymentSummary(deployment: V1Deployment): DeploymentSummary {
  const status = deployment.status;
  return {
    name: deployment.metadata?.name ?? '(unnamed)',
    replicas: deployment.spec?.replicas ?? 1,
    readyReplicas: status?.readyReplicas ?? 0,
    availableReplicas: status?.availableReplicas ?? 0,
    updatedReplicas: status?.updatedReplicas ?? 0,
    images: (deployment.spec?.template.spec?.containers ?? []).flatMap((c) => (c.image ? [c.image] : [])),
    observed: (status?.observedGeneration ?? 0) >= (deployment.metadata?.generation ?? 0),
    annotations: { ...(deployment.metadata?.annotations ?? {}) },
  };
}

/** A Warning event, with the time it was last seen. */
export function warningEvent(event: CoreV1Event): WarningEvent {
  const object = event.involvedObject;
  return {
    reason: event.reason ?? '',
    message: event.message ?? '',
    object: `${object.kind ?? '?'}/${object.name ?? '?'}`,
    count: event.series?.count ?? event.count ?? 1,
    lastSeen: event.series?.lastObservedTime ?? event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp,
  };
}

// metrics.k8s.io/v1beta1 PodMetricsList: only the fields we read.
const podMetricsListSchema = z.object({
  items: z.array(
    z.object({
      metadata: z.object({ name: z.string() }),
      containers: z.array(z.object({ usage: z.object({ cpu: z.string(), memory: z.string() }) })).default([]),
    }),
  ),
});

/** Parses a metrics.k8s.io PodMetricsList into per-pod usage. */
export function parsePodUsage(body: unknown): PodUsage[] {
  return podMetricsListSchema.parse(body).items.map((item) => ({
    name: item.metadata.name,
    cpuCores: item.containers.reduce((sum, c) => sum + (parseQuantity(c.usage.cpu) ?? 0), 0),
    memoryBytes: item.containers.reduce((sum, c) => sum + (parseQuantity(c.usage.memory) ?? 0), 0),
  }));
}

// cert-manager.io/v1 CertificateList: only the fields we read.
const certificateListSchema = z.object({
  items: z.array(
    z.object({
      metadata: z.object({ name: z.string() }),
      spec: z.object({ secretName: z.string().optional(), dnsNames: z.array(z.string()).optional() }).optional(),
      status: z
        .object({
          notAfter: z.string().optional(),
          conditions: z
            .array(z.object({ type: z.string(), status: z.string(), message: z.string().optional() }))
            .optional(),
        })
        .optional(),
    }),
  ),
});

/** Parses a cert-manager CertificateList into expiry and readiness. */
export function parseCertificates(body: unknown): CertificateStatus[] {
  return certificateListSchema.parse(body).items.map((item) => {
    const ready = item.status?.conditions?.find((c) => c.type === 'Ready');
    const notAfter = item.status?.notAfter ? new Date(item.status.notAfter) : undefined;
    return {
      name: item.metadata.name,
      secretName: item.spec?.secretName,
      dnsNames: item.spec?.dnsNames ?? [],
      notAfter: notAfter && !Number.isNaN(notAfter.getTime()) ? notAfter : undefined,
      ready: ready ? ready.status === 'True' : undefined,
      readyMessage: ready?.message,
    };
  });
}
