import type { KubernetesTarget } from '../config/ops-config.js';
import { kubeCaller } from './kube-call.js';
import { KubeApiError } from './kube-errors.js';
import {
  deploymentSummary,
  nodeSummary,
  parseCertificates,
  parsePodUsage,
  podSummary,
  warningEvent,
} from './kube-summaries.js';
import type {
  CertificateStatus,
  DeploymentSummary,
  NodeSummary,
  PodSummary,
  PodUsage,
  WarningEvent,
} from './kube-types.js';

/** Options every Kubernetes call takes: aborting the signal aborts the HTTP request. */
export interface KubeCallOptions {
  signal?: AbortSignal;
}

/** How much of a pod's log to read. */
export interface PodLogOptions extends KubeCallOptions {
  /** Defaults to the pod's `kubectl logs` container. */
  container?: string;
  sinceSeconds?: number;
  tailLines?: number;
  limitBytes?: number;
}

/** The service's namespace and deployment in one cluster, with the reads and writes the runbooks need. */
export interface KubeTarget {
  readonly namespace: string;
  readonly deployment: string;
  readonly labelSelector: string;
  /** cert-manager Certificate names to check; empty means all in the namespace. */
  readonly certificateNames: readonly string[];
  /** Pod-log lines read per pod for the error scan. */
  readonly logTailLines: number;
  /** Pods matching the selector (the configured one by default). */
  listPods(opts?: KubeCallOptions & { labelSelector?: string }): Promise<PodSummary[]>;
  listNodes(opts?: KubeCallOptions): Promise<NodeSummary[]>;
  /** Live pod usage, or undefined when the cluster has no metrics.k8s.io API. */
  podMetrics(opts?: KubeCallOptions & { labelSelector?: string }): Promise<PodUsage[] | undefined>;
  readPodLog(pod: string, opts?: PodLogOptions): Promise<string>;
  /** Certificates (only the configured names, if any), or undefined when cert-manager is not installed. */
  listCertificates(opts?: KubeCallOptions): Promise<CertificateStatus[] | undefined>;
  readDeployment(opts?: KubeCallOptions): Promise<DeploymentSummary>;
  /** Sets the deployment's replicas through the scale subresource; resolves with the replicas now desired. */
  scaleDeployment(replicas: number, opts?: KubeCallOptions): Promise<number>;
  /** Sets (a string) or removes (null) annotations on the deployment itself, with a merge patch. */
  annotateDeployment(annotations: Record<string, string | null>, opts?: KubeCallOptions): Promise<void>;
  /** Warning events in the namespace, newest first. */
  listWarningEvents(opts?: KubeCallOptions): Promise<WarningEvent[]>;
}

/** Connects to the configured cluster; `where` is the config path used in error messages. */
export function createKubeTarget(target: KubernetesTarget, where: string): KubeTarget {
  const { namespace, deployment, labelSelector } = target;
  const call = kubeCaller(target, where);

  /** Lists a namespaced custom resource, or undefined when its API group is not served (404). */
  async function listCustom(
    group: string,
    version: string,
    plural: string,
    selector: string | undefined,
    signal?: AbortSignal,
  ): Promise<unknown> {
    try {
      return await call(`list ${plural}.${group}`, signal, ({ custom }, o) =>
        custom.listNamespacedCustomObject({ group, version, namespace, plural, labelSelector: selector }, o),
      );
    } catch (err) {
      if (err instanceof KubeApiError && err.code === 404) return undefined;
      throw err;
    }
  }

  return {
    namespace,
    deployment,
    labelSelector,
    certificateNames: target.certificates,
    logTailLines: target.logTailLines,

    async listPods(opts = {}) {
      const selector = opts.labelSelector ?? labelSelector;
      const list = await call(`list pods ${selector}`, opts.signal, ({ core }, o) =>
        core.listNamespacedPod({ namespace, labelSelector: selector }, o),
      );
      return list.items.map(podSummary);
    },

    async listNodes(opts = {}) {
      const list = await call('list nodes', opts.signal, ({ core }, o) => core.listNode({}, o));
      return list.items.map(nodeSummary);
    },

    async podMetrics(opts = {}) {
      const body = await listCustom(
        'metrics.k8s.io',
        'v1beta1',
        'pods',
        opts.labelSelector ?? labelSelector,
        opts.signal,
      );
      return body === undefined ? undefined : parsePodUsage(body);
    },

    readPodLog(pod, opts = {}) {
      const { container, sinceSeconds, tailLines, limitBytes } = opts;
      return call(`read log of pod ${pod}`, opts.signal, ({ core }, o) =>
        core.readNamespacedPodLog({ name: pod, namespace, container, sinceSeconds, tailLines, limitBytes }, o),
      );
    },

    async listCertificates(opts = {}) {
      const body = await listCustom('cert-manager.io', 'v1', 'certificates', undefined, opts.signal);
      if (body === undefined) return undefined;
      const all = parseCertificates(body);
      const wanted = target.certificates;
      return wanted.length === 0 ? all : all.filter((c) => wanted.includes(c.name));
    },

    async readDeployment(opts = {}) {
      const found = await call(`read deployment ${deployment}`, opts.signal, ({ apps }, o) =>
        apps.readNamespacedDeployment({ name: deployment, namespace }, o),
      );
      return deploymentSummary(found);
    },

    async scaleDeployment(replicas, opts = {}) {
      const scale = await call(`scale deployment ${deployment} to ${replicas}`, opts.signal, ({ apps, lib }, o) =>
        apps.patchNamespacedDeploymentScale(
          { name: deployment, namespace, body: { spec: { replicas } } },
          // The client sends JSON Patch by default, which an object body is not.
          lib.setHeaderOptions('Content-Type', lib.PatchStrategy.MergePatch, o),
        ),
      );
      return scale.spec?.replicas ?? replicas;
    },

    async annotateDeployment(annotations, opts = {}) {
      await call(`annotate deployment ${deployment}`, opts.signal, ({ apps, lib }, o) =>
        apps.patchNamespacedDeployment(
          { name: deployment, namespace, body: { metadata: { annotations } } },
          lib.setHeaderOptions('Content-Type', lib.PatchStrategy.MergePatch, o),
        ),
      );
    },

    async listWarningEvents(opts = {}) {
      const list = await call('list warning events', opts.signal, ({ core }, o) =>
        core.listNamespacedEvent({ namespace, fieldSelector: 'type=Warning' }, o),
      );
      return list.items.map(warningEvent).sort((a, b) => (b.lastSeen?.getTime() ?? 0) - (a.lastSeen?.getTime() ?? 0));
    },
  };
}
