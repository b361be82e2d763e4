/** What a RoleBinding or ClusterRoleBinding grants: who (subjects) gets which role. */
export interface BindingSummary {
  name: string;
  /** `Role` or `ClusterRole`. */
  roleKind: string;
  roleName: string;
  subjects: { kind: string; name: string; namespace?: string }[];
}

/** A NetworkPolicy: which pods it selects and which directions it governs. */
export interface NetworkPolicySummary {
  name: string;
  /** `app=thermaliq`, or `all pods` for an empty selector. */
  podSelector: string;
  policyTypes: string[];
}

/** A Service as an exposure check sees it: its type and, for a LoadBalancer, its external addresses. */
export interface ServiceExposure {
  name: string;
  type: string;
  /** LoadBalancer ingress hostnames or IPs; empty while the cloud has not assigned one. */
  addresses: string[];
  ports: string[];
}

/** The security-relevant settings of one container, with the pod-level defaults it inherits already applied. */
export interface ContainerSecurity {
  name: string;
  image: string;
  init: boolean;
  privileged: boolean;
  /** The effective runAsUser (container, else pod); undefined means the image's USER decides. */
  runAsUser?: number;
  /** The effective runAsNonRoot (container, else pod). */
  runAsNonRoot?: boolean;
  /** As set on the container; undefined means the default, which is true. */
  allowPrivilegeEscalation?: boolean;
}

/** One pod's containers and their security settings. */
export interface PodSecurity {
  name: string;
  containers: ContainerSecurity[];
}

/** A batch/v1 Job's state as the scan waits on it. */
export interface JobState {
  name: string;
  active: number;
  succeeded: number;
  failed: number;
  /** `Complete` or `Failed` once finished (status.conditions with status True). */
  finished?: 'Complete' | 'Failed';
  /** The finishing condition's reason and message, e.g. BackoffLimitExceeded, DeadlineExceeded. */
  reason?: string;
  message?: string;
}

/** One pod of a Job: its phase and how each container ended. */
export interface JobPod {
  name: string;
  phase: string;
  containers: { name: string; exitCode?: number; reason?: string; message?: string; waiting?: string }[];
}

/** One container of a scan Job: a name and the image it scans. */
export interface ScanTarget {
  container: string;
  image: string;
}

/** What a scan Job runs: trivy's image, the targets, and its limits. */
export interface ScanJobSpec {
  /** The Job's name prefix (`generateName`). */
  namePrefix: string;
  scannerImage: string;
  targets: ScanTarget[];
  severities: string[];
  /** activeDeadlineSeconds: the cluster stops the Job after this. */
  deadlineSeconds: number;
  ttlSecondsAfterFinished: number;
  resources: { cpu: string; memory: string };
  /** Labels on the Job and its pod (e.g. which run started it). */
  labels: Record<string, string>;
}
