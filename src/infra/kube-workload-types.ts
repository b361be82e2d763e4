/** A deployment's rollout state, with what `kubectl rollout status` looks at. */
export interface DeploymentRollout {
  name: string;
  generation: number;
  observedGeneration: number;
  /** spec.replicas (desired). */
  replicas: number;
  /** status.replicas: every non-terminating pod of every ReplicaSet, old ones included. */
  statusReplicas: number;
  updatedReplicas: number;
  readyReplicas: number;
  availableReplicas: number;
  images: string[];
  /** The pod template's `kubectl.kubernetes.io/restartedAt` annotation: when it was last restarted. */
  restartedAt?: string;
  /** e.g. "RollingUpdate (maxUnavailable 25%, maxSurge 25%)". */
  strategy: string;
  /** The Progressing condition's message once its reason is ProgressDeadlineExceeded. */
  deadlineExceeded?: string;
}

/** One metric of a HorizontalPodAutoscaler: what it aims at and where it is. */
export interface AutoscalerMetric {
  /** e.g. "cpu", "memory", "pods/requests_per_second". */
  name: string;
  /** e.g. "70 %" or "500Mi". */
  target: string;
  current?: string;
}

/** A status condition of a HorizontalPodAutoscaler (AbleToScale, ScalingActive, ScalingLimited). */
export interface AutoscalerCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

/** An autoscaling/v2 HorizontalPodAutoscaler as people read `kubectl get hpa`. */
export interface AutoscalerStatus {
  name: string;
  /** kind/name of the scaled workload, e.g. Deployment/thermaliq. */
  target: string;
  targetKind: string;
  targetName: string;
  minReplicas: number;
  maxReplicas: number;
  currentReplicas: number;
  desiredReplicas: number;
  metrics: AutoscalerMetric[];
  conditions: AutoscalerCondition[];
  lastScaleTime?: string;
}

/** A cert-manager Certificate with its validity window and when cert-manager will renew it. */
export interface CertificateRenewal {
  name: string;
  secretName?: string;
  dnsNames: string[];
  issuer?: string;
  notBefore?: Date;
  notAfter?: Date;
  renewalTime?: Date;
  /** The Ready condition: true, false, or undefined when cert-manager has not reported it. */
  ready?: boolean;
  readyReason?: string;
  readyMessage?: string;
}

/** A Warning event, newest first in lists. */
export interface RecentWarning {
  reason: string;
  message: string;
  /** kind/name of the object the event is about. */
  object: string;
  count: number;
  lastSeen?: Date;
}

/** The service port an Ingress backend names: by number or by name. */
export type BackendPort = { number: number } | { name: string };

/** The service an Ingress path (or its default backend) sends traffic to. */
export interface BackendService {
  name: string;
  port: BackendPort;
}

/** One place in an Ingress that routes to a service, addressed by a JSON pointer for patching. */
export interface IngressRoute {
  /** JSON pointer to the `service` object, e.g. /spec/rules/0/http/paths/0/backend/service. */
  pointer: string;
  /** "host/path" for people, or "(default backend)". */
  where: string;
  /** undefined when the backend is a resource, not a service. */
  service?: BackendService;
}

/** An Ingress: its routes and annotations, and the version a patch must match. */
export interface IngressState {
  name: string;
  resourceVersion: string;
  annotations: Record<string, string>;
  routes: IngressRoute[];
}

/** A Service's ports, to check that a backend can reach it. */
export interface ServicePorts {
  name: string;
  ports: { name?: string; port: number }[];
}

/** One RFC 6902 operation, as the Ingress patches use them. */
export type JsonPatchOperation =
  | { op: 'test' | 'add' | 'replace'; path: string; value: unknown }
  | { op: 'remove'; path: string };
