import { randomUUID } from 'node:crypto';
import type { JsonObject } from './json-value.js';
import { kubeTime } from './kube-fixtures.js';

/** Options for {@link autoscalerFixture}. */
export interface AutoscalerFixtureOptions {
  /** The Deployment it scales. */
  deployment: string;
  minReplicas?: number;
  maxReplicas: number;
  currentReplicas: number;
  desiredReplicas?: number;
  /** CPU utilization target and current value, percent. */
  cpu?: { target: number; current?: number };
  /** Memory average value target and current value, as quantities. */
  memory?: { target: string; current?: string };
  /** Overrides of the status conditions (AbleToScale, ScalingActive, ScalingLimited), by type. */
  conditions?: Record<string, { status: 'True' | 'False'; reason: string; message?: string }>;
}

/** A faithful autoscaling/v2 HorizontalPodAutoscaler with status, as `kubectl get hpa -o json` shows it. */
export function autoscalerFixture(namespace: string, name: string, o: AutoscalerFixtureOptions): JsonObject {
  const now = kubeTime(new Date());
  const metrics: JsonObject[] = [];
  const current: JsonObject[] = [];
  if (o.cpu) {
    metrics.push({
      type: 'Resource',
      resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: o.cpu.target } },
    });
    if (o.cpu.current !== undefined) {
      current.push({
        type: 'Resource',
        resource: { name: 'cpu', current: { averageUtilization: o.cpu.current, averageValue: '250m' } },
      });
    }
  }
  if (o.memory) {
    metrics.push({
      type: 'Resource',
      resource: { name: 'memory', target: { type: 'AverageValue', averageValue: o.memory.target } },
    });
    if (o.memory.current !== undefined) {
      current.push({ type: 'Resource', resource: { name: 'memory', current: { averageValue: o.memory.current } } });
    }
  }
  const atMax = o.currentReplicas >= o.maxReplicas;
  const defaults: Record<string, { status: 'True' | 'False'; reason: string; message?: string }> = {
    AbleToScale: { status: 'True', reason: 'ReadyForNewScale', message: 'recommended size matches current size' },
    ScalingActive: {
      status: 'True',
      reason: 'ValidMetricFound',
      message: 'the HPA was able to successfully calculate a replica count from cpu resource utilization',
    },
    ScalingLimited: atMax
      ? { status: 'True', reason: 'TooManyReplicas', message: 'the desired replica count is more than the maximum' }
      : { status: 'False', reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' },
  };
  const conditions = Object.entries({ ...defaults, ...o.conditions }).map(([type, c]) => ({
    type,
    status: c.status,
    lastTransitionTime: now,
    reason: c.reason,
    message: c.message ?? '',
  }));
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name, namespace, uid: randomUUID(), resourceVersion: '4242', creationTimestamp: now },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: o.deployment },
      minReplicas: o.minReplicas ?? 1,
      maxReplicas: o.maxReplicas,
      metrics,
    },
    status: {
      currentReplicas: o.currentReplicas,
      desiredReplicas: o.desiredReplicas ?? o.currentReplicas,
      currentMetrics: current.length > 0 ? current : null,
      conditions,
      lastScaleTime: now,
    },
  };
}

/** A faithful core v1 Service of type ClusterIP selecting `app: <name>`. */
export function serviceFixture(namespace: string, name: string, ports: { name?: string; port: number }[]): JsonObject {
  return {
    kind: 'Service',
    apiVersion: 'v1',
    metadata: {
      name,
      namespace,
      uid: randomUUID(),
      resourceVersion: '4243',
      creationTimestamp: kubeTime(new Date()),
      labels: { app: name },
    },
    spec: {
      ports: ports.map((p) => ({
        ...(p.name === undefined ? {} : { name: p.name }),
        protocol: 'TCP',
        port: p.port,
        targetPort: p.port,
      })),
      selector: { app: name },
      clusterIP: '10.96.0.42',
      clusterIPs: ['10.96.0.42'],
      type: 'ClusterIP',
      sessionAffinity: 'None',
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      internalTrafficPolicy: 'Cluster',
    },
    status: { loadBalancer: {} },
  };
}
