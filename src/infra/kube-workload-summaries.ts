import { z } from 'zod';
import type {
  BackendService,
  CertificateRenewal,
  DeploymentRollout,
  IngressRoute,
  IngressState,
  RecentWarning,
  ServicePorts,
} from './kube-workload-types.js';

// The client deserializes timestamps to Date; raw custom-object JSON keeps them as strings. Both parse here.
const time = z.coerce.date().optional();

/** A status condition as Kubernetes objects report them (`Ready`, `ScalingActive`, …). */
export const kubeCondition = z.object({
  type: z.string(),
  status: z.string(),
  reason: z.string().optional(),
  message: z.string().optional(),
});
const stringMap = z.record(z.string(), z.string()).optional();

const deploymentSchema = z.object({
  metadata: z.object({ name: z.string(), generation: z.number().optional() }),
  spec: z.object({
    replicas: z.number().optional(),
    strategy: z
      .object({
        type: z.string().optional(),
        rollingUpdate: z
          .object({
            maxUnavailable: z.union([z.string(), z.number()]).optional(),
            maxSurge: z.union([z.string(), z.number()]).optional(),
          })
          .optional(),
      })
      .optional(),
    template: z.object({
      metadata: z.object({ annotations: stringMap }).optional(),
      spec: z.object({ containers: z.array(z.object({ image: z.string().optional() })) }).optional(),
    }),
  }),
  status: z
    .object({
      observedGeneration: z.number().optional(),
      replicas: z.number().optional(),
      updatedReplicas: z.number().optional(),
      readyReplicas: z.number().optional(),
      availableReplicas: z.number().optional(),
      conditions: z
        .array(z.object({ type: z.string(), reason: z.string().optional(), message: z.string().optional() }))
        .optional(),
    })
    .optional(),
});

/** The rollout fields of an apps/v1 Deployment. */
export function deploymentRollout(body: unknown): DeploymentRollout {
  const d = deploymentSchema.parse(body);
  const status = d.status ?? {};
  const strategy = d.spec.strategy;
  const rolling = strategy?.rollingUpdate;
  const progressing = status.conditions?.find((c) => c.type === 'Progressing');
  return {
    name: d.metadata.name,
    generation: d.metadata.generation ?? 0,
    observedGeneration: status.observedGeneration ?? 0,
    // The API server defaults spec.replicas to 1.
    replicas: d.spec.replicas ?? 1,
    statusReplicas: status.replicas ?? 0,
    updatedReplicas: status.updatedReplicas ?? 0,
    readyReplicas: status.readyReplicas ?? 0,
    availableReplicas: status.availableReplicas ?? 0,
    images: (d.spec.template.spec?.containers ?? []).flatMap((c) => (c.image ? [c.image] : [])),
    restartedAt: d.spec.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt'],
    strategy:
      strategy?.type === 'Recreate'
        ? 'Recreate'
        : `RollingUpdate (maxUnavailable ${rolling?.maxUnavailable ?? '25%'}, maxSurge ${rolling?.maxSurge ?? '25%'})`,
    deadlineExceeded:
      progressing?.reason === 'ProgressDeadlineExceeded'
        ? (progressing.message ?? 'progress deadline exceeded')
        : undefined,
  };
}

// cert-manager.io/v1 CertificateList: only the fields we read.
const certificateListSchema = z.object({
  items: z.array(
    z.object({
      metadata: z.object({ name: z.string() }),
      spec: z
        .object({
          secretName: z.string().optional(),
          dnsNames: z.array(z.string()).optional(),
          issuerRef: z.object({ name: z.string(), kind: z.string().optional() }).optional(),
        })
        .optional(),
      status: z
        .object({
          notBefore: time,
          notAfter: time,
          renewalTime: time,
          conditions: z.array(kubeCondition).optional(),
        })
        .optional(),
    }),
  ),
});

const validDate = (d: Date | undefined) => (d && !Number.isNaN(d.getTime()) ? d : undefined);

/** Parses a cert-manager CertificateList with validity, renewal time and readiness. */
export function certificateRenewals(body: unknown): CertificateRenewal[] {
  return certificateListSchema.parse(body).items.map((item) => {
    const ready = item.status?.conditions?.find((c) => c.type === 'Ready');
    const issuer = item.spec?.issuerRef;
    return {
      name: item.metadata.name,
      secretName: item.spec?.secretName,
      dnsNames: item.spec?.dnsNames ?? [],
      issuer: issuer ? `${issuer.kind ?? 'Issuer'}/${issuer.name}` : undefined,
      notBefore: validDate(item.status?.notBefore),
      notAfter: validDate(item.status?.notAfter),
      renewalTime: validDate(item.status?.renewalTime),
      ready: ready ? ready.status === 'True' : undefined,
      readyReason: ready?.reason,
      readyMessage: ready?.message,
    };
  });
}

const eventSchema = z.object({
  reason: z.string().optional(),
  message: z.string().optional(),
  involvedObject: z.object({ kind: z.string().optional(), name: z.string().optional() }),
  count: z.number().optional(),
  series: z.object({ count: z.number().optional(), lastObservedTime: time }).optional(),
  lastTimestamp: time.nullable(),
  eventTime: time.nullable(),
  firstTimestamp: time.nullable(),
});

/** A core v1 Event as a warning line: reason, object, count and when it was last seen. */
export function recentWarning(body: unknown): RecentWarning {
  const e = eventSchema.parse(body);
  return {
    reason: e.reason ?? '',
    message: e.message ?? '',
    object: `${e.involvedObject.kind ?? '?'}/${e.involvedObject.name ?? '?'}`,
    count: e.series?.count ?? e.count ?? 1,
    lastSeen: e.series?.lastObservedTime ?? e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? undefined,
  };
}

const backendPort = z.union([
  z.object({ number: z.number().int() }).transform((p) => ({ number: p.number })),
  z.object({ name: z.string() }).transform((p) => ({ name: p.name })),
]);
const serviceBackend = z.object({ name: z.string(), port: backendPort });
const backend = z.object({ service: serviceBackend.optional() });
const ingressSchema = z.object({
  metadata: z.object({ name: z.string(), resourceVersion: z.string(), annotations: stringMap }),
  spec: z
    .object({
      defaultBackend: backend.optional(),
      rules: z
        .array(
          z.object({
            host: z.string().optional(),
            http: z.object({ paths: z.array(z.object({ path: z.string().optional(), backend })) }).optional(),
          }),
        )
        .optional(),
    })
    .optional(),
});

/** A networking.k8s.io/v1 Ingress: every place that routes to a service, with a JSON pointer to each. */
export function ingressState(body: unknown): IngressState {
  const ing = ingressSchema.parse(body);
  const routes: IngressRoute[] = [];
  const service = (s: z.infer<typeof serviceBackend> | undefined): BackendService | undefined =>
    s ? { name: s.name, port: s.port } : undefined;
  if (ing.spec?.defaultBackend) {
    routes.push({
      pointer: '/spec/defaultBackend/service',
      where: '(default backend)',
      service: service(ing.spec.defaultBackend.service),
    });
  }
  for (const [i, rule] of (ing.spec?.rules ?? []).entries()) {
    for (const [j, path] of (rule.http?.paths ?? []).entries()) {
      routes.push({
        pointer: `/spec/rules/${i}/http/paths/${j}/backend/service`,
        where: `${rule.host ?? '*'}${path.path ?? '/'}`,
        service: service(path.backend.service),
      });
    }
  }
  return {
    name: ing.metadata.name,
    resourceVersion: ing.metadata.resourceVersion,
    annotations: ing.metadata.annotations ?? {},
    routes,
  };
}

const serviceSchema = z.object({
  metadata: z.object({ name: z.string() }),
  spec: z.object({ ports: z.array(z.object({ name: z.string().optional(), port: z.number() })).optional() }).optional(),
});

/** A core v1 Service's name and ports. */
export function servicePorts(body: unknown): ServicePorts {
  const s = serviceSchema.parse(body);
  return { name: s.metadata.name, ports: s.spec?.ports ?? [] };
}
