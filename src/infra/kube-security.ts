import type { KubernetesTarget } from '../config/ops-config.js';
import { kubeCaller } from './kube-call.js';
import { scanJobManifest } from './kube-scan-job.js';
import {
  bindingSummary,
  jobPod,
  jobState,
  networkPolicySummary,
  podSecurity,
  serviceExposure,
} from './kube-security-summaries.js';
import type {
  BindingSummary,
  JobPod,
  JobState,
  NetworkPolicySummary,
  PodSecurity,
  ScanJobSpec,
  ServiceExposure,
} from './kube-security-types.js';

/** Options every call takes: aborting the signal aborts the HTTP request. */
export interface SecurityCallOptions {
  signal?: AbortSignal;
}

/** The Kubernetes calls of the security runbooks: the audit's reads, and the image scan's Job. */
export interface KubeSecurity {
  readonly namespace: string;
  /** RoleBindings in the namespace. */
  listRoleBindings(opts?: SecurityCallOptions): Promise<BindingSummary[]>;
  /** Every ClusterRoleBinding (the caller picks those that reach the namespace). */
  listClusterRoleBindings(opts?: SecurityCallOptions): Promise<BindingSummary[]>;
  listNetworkPolicies(opts?: SecurityCallOptions): Promise<NetworkPolicySummary[]>;
  listServices(opts?: SecurityCallOptions): Promise<ServiceExposure[]>;
  /** The service's pods (its label selector) with their containers' security settings. */
  listPodSecurity(opts?: SecurityCallOptions): Promise<PodSecurity[]>;
  /** Creates the scan Job; returns its generated name. */
  createScanJob(spec: ScanJobSpec, opts?: SecurityCallOptions): Promise<string>;
  readJob(name: string, opts?: SecurityCallOptions): Promise<JobState>;
  /** Deletes a Job and, in the background, its pods. */
  deleteJob(name: string, opts?: SecurityCallOptions): Promise<void>;
  /** The pods the Job controller made for a Job. */
  listJobPods(name: string, opts?: SecurityCallOptions): Promise<JobPod[]>;
  /** One container's log; `limitBytes` bounds what is read. */
  readContainerLog(pod: string, container: string, limitBytes: number, opts?: SecurityCallOptions): Promise<string>;
}

/** Connects to the configured cluster on first use; `where` is the config path used in error messages. */
export function createKubeSecurity(target: KubernetesTarget, where: string): KubeSecurity {
  const { namespace } = target;
  const call = kubeCaller(target, where);
  return {
    namespace,

    async listRoleBindings(opts = {}) {
      const list = await call('list rolebindings', opts.signal, ({ rbac }, o) =>
        rbac.listNamespacedRoleBinding({ namespace }, o),
      );
      return list.items.map(bindingSummary);
    },

    async listClusterRoleBindings(opts = {}) {
      const list = await call('list clusterrolebindings', opts.signal, ({ rbac }, o) =>
        rbac.listClusterRoleBinding({}, o),
      );
      return list.items.map(bindingSummary);
    },

    async listNetworkPolicies(opts = {}) {
      const list = await call('list networkpolicies', opts.signal, ({ networking }, o) =>
        networking.listNamespacedNetworkPolicy({ namespace }, o),
      );
      return list.items.map(networkPolicySummary);
    },

    async listServices(opts = {}) {
      const list = await call('list services', opts.signal, ({ core }, o) =>
        core.listNamespacedService({ namespace }, o),
      );
      return list.items.map(serviceExposure);
    },

    async listPodSecurity(opts = {}) {
      const list = await call('list pods', opts.signal, ({ core }, o) =>
        core.listNamespacedPod({ namespace, labelSelector: target.labelSelector }, o),
      );
      return list.items.map(podSecurity);
    },

    async createScanJob(spec, opts = {}) {
      const created = await call('create scan job', opts.signal, ({ batch }, o) =>
        batch.createNamespacedJob({ namespace, body: scanJobManifest(spec) }, o),
      );
      return created.metadata?.name ?? '';
    },

    async readJob(name, opts = {}) {
      const job = await call(`read job ${name}`, opts.signal, ({ batch }, o) =>
        batch.readNamespacedJob({ name, namespace }, o),
      );
      return jobState(job);
    },

    async deleteJob(name, opts = {}) {
      // The API's default for Jobs orphans their pods; Background lets the garbage collector remove them.
      await call(`delete job ${name}`, opts.signal, ({ batch }, o) =>
        batch.deleteNamespacedJob({ name, namespace, propagationPolicy: 'Background' }, o),
      );
    },

    async listJobPods(name, opts = {}) {
      const list = await call(`list pods of job ${name}`, opts.signal, ({ core }, o) =>
        core.listNamespacedPod({ namespace, labelSelector: `batch.kubernetes.io/job-name=${name}` }, o),
      );
      return list.items.map(jobPod);
    },

    async readContainerLog(pod, container, limitBytes, opts = {}) {
      return call(`read log of ${pod}/${container}`, opts.signal, ({ core }, o) =>
        core.readNamespacedPodLog({ name: pod, namespace, container, limitBytes }, o),
      );
    },
  };
}
