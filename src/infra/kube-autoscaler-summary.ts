import { z } from 'zod';
import { kubeCondition } from './kube-workload-summaries.js';
import type { AutoscalerMetric, AutoscalerStatus } from './kube-workload-types.js';

// The client deserializes timestamps to Date; raw JSON keeps them as strings. Both parse here.
const time = z.coerce.date().optional();

const metricTarget = z.object({
  type: z.string(),
  averageUtilization: z.number().optional(),
  averageValue: z.string().optional(),
  value: z.string().optional(),
});
const metricValue = metricTarget.omit({ type: true });
const identifier = z.object({ name: z.string() });
const hpaSchema = z.object({
  metadata: z.object({ name: z.string() }),
  spec: z.object({
    scaleTargetRef: z.object({ kind: z.string(), name: z.string() }),
    minReplicas: z.number().optional(),
    maxReplicas: z.number(),
    metrics: z
      .array(
        z.object({
          type: z.string(),
          resource: z.object({ name: z.string(), target: metricTarget }).optional(),
          containerResource: z.object({ name: z.string(), container: z.string(), target: metricTarget }).optional(),
          pods: z.object({ metric: identifier, target: metricTarget }).optional(),
          object: z.object({ metric: identifier, target: metricTarget }).optional(),
          external: z.object({ metric: identifier, target: metricTarget }).optional(),
        }),
      )
      .optional(),
  }),
  status: z
    .object({
      currentReplicas: z.number().optional(),
      desiredReplicas: z.number().optional(),
      lastScaleTime: time,
      currentMetrics: z
        .array(
          z.object({
            type: z.string(),
            resource: z.object({ name: z.string(), current: metricValue }).optional(),
            containerResource: z.object({ name: z.string(), container: z.string(), current: metricValue }).optional(),
            pods: z.object({ metric: identifier, current: metricValue }).optional(),
            object: z.object({ metric: identifier, current: metricValue }).optional(),
            external: z.object({ metric: identifier, current: metricValue }).optional(),
          }),
        )
        .nullish(),
      conditions: z.array(kubeCondition).optional(),
    })
    .optional(),
});
type MetricValue = z.infer<typeof metricValue>;
type HpaMetricSpec = NonNullable<z.infer<typeof hpaSchema>['spec']['metrics']>[number];
type HpaMetricStatus = NonNullable<NonNullable<z.infer<typeof hpaSchema>['status']>['currentMetrics']>[number];

function metricValueText(v: MetricValue | undefined): string | undefined {
  if (!v) return undefined;
  if (v.averageUtilization !== undefined) return `${v.averageUtilization} %`;
  return v.averageValue ?? v.value;
}

/** The name `kubectl get hpa` shows for a metric: the resource, or kind/metric. */
function metricName(m: HpaMetricSpec | HpaMetricStatus): string {
  if (m.resource) return m.resource.name;
  if (m.containerResource) return `${m.containerResource.container}/${m.containerResource.name}`;
  const named = m.pods ?? m.object ?? m.external;
  return named ? `${m.type.toLowerCase()}/${named.metric.name}` : m.type;
}

function specTarget(m: HpaMetricSpec): MetricValue | undefined {
  return (m.resource ?? m.containerResource ?? m.pods ?? m.object ?? m.external)?.target;
}

function statusCurrent(m: HpaMetricStatus): MetricValue | undefined {
  return (m.resource ?? m.containerResource ?? m.pods ?? m.object ?? m.external)?.current;
}

/** An autoscaling/v2 HorizontalPodAutoscaler: bounds, replicas, metrics against targets, and conditions. */
export function autoscalerStatus(body: unknown): AutoscalerStatus {
  const h = hpaSchema.parse(body);
  const current = h.status?.currentMetrics ?? [];
  const metrics: AutoscalerMetric[] = (h.spec.metrics ?? []).map((m) => {
    const name = metricName(m);
    const now = current.find((c) => metricName(c) === name);
    return {
      name,
      target: metricValueText(specTarget(m)) ?? '?',
      current: now ? metricValueText(statusCurrent(now)) : undefined,
    };
  });
  const ref = h.spec.scaleTargetRef;
  return {
    name: h.metadata.name,
    target: `${ref.kind}/${ref.name}`,
    targetKind: ref.kind,
    targetName: ref.name,
    minReplicas: h.spec.minReplicas ?? 1,
    maxReplicas: h.spec.maxReplicas,
    currentReplicas: h.status?.currentReplicas ?? 0,
    desiredReplicas: h.status?.desiredReplicas ?? 0,
    metrics,
    conditions: h.status?.conditions ?? [],
    lastScaleTime: h.status?.lastScaleTime?.toISOString(),
  };
}
