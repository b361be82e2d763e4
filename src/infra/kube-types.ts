/** One container of a pod as the health checks see it. */
export interface ContainerSummary {
  name: string;
  ready: boolean;
  restarts: number;
  state: 'running' | 'waiting' | 'terminated' | 'unknown';
  /** Why it is waiting or terminated, e.g. CrashLoopBackOff, ImagePullBackOff, OOMKilled. */
  reason?: string;
  /** Why the previous run ended, e.g. OOMKilled or Error. */
  lastTerminationReason?: string;
}

/** One pod: phase, readiness, restarts and the limits its containers declare. */
export interface PodSummary {
  name: string;
  phase: string;
  /** The pod's Ready condition is True. */
  ready: boolean;
  /** The pod has a deletionTimestamp, e.g. during a rollout. */
  terminating: boolean;
  restarts: number;
  containers: ContainerSummary[];
  /** The container `kubectl logs` reads: the default-container annotation, else the first container. */
  logContainer: string | undefined;
  nodeName?: string;
  startTime?: Date;
  /** Summed container limits; undefined when any container declares none. */
  limits: { cpuCores?: number; memoryBytes?: number };
}

/** One node and whether its kubelet reports Ready. */
export interface NodeSummary {
  name: string;
  ready: boolean;
  /** The Ready condition's reason or message when not Ready. */
  reason?: string;
  unschedulable: boolean;
  kubeletVersion?: string;
}

/** Live usage of one pod from metrics.k8s.io, summed over its containers. */
export interface PodUsage {
  name: string;
  cpuCores: number;
  memoryBytes: number;
}

/** A cert-manager Certificate's expiry and readiness. */
export interface CertificateStatus {
  name: string;
  secretName?: string;
  dnsNames: string[];
  notAfter?: Date;
  /** The Ready condition: true, false, or undefined when cert-manager has not reported it. */
  ready?: boolean;
  readyMessage?: string;
}

/** The deployment's desired and observed replica counts and images. */
export interface DeploymentSummary {
  name: string;
  replicas: number;
  readyReplicas: number;
  availableReplicas: number;
  updatedReplicas: number;
  images: string[];
  /** The controller has seen the latest spec (observedGeneration ≥ generation). */
  observed: boolean;
  /** The deployment's own annotations (metadata.annotations). */
  annotations: Record<string, string>;
}

/** A Warning event in the namespace. */
export interface WarningEvent {
  reason: string;
  message: string;
  /** kind/name of the object the event is about. */
  object: string;
  count: number;
  lastSeen?: Date;
}
