import type { KubernetesTarget } from '../config/ops-config.js';
import { autoscalerStatus } from './kube-autoscaler-summary.js';
import { kubeCaller } from './kube-call.js';
import { KubeApiError } from './kube-errors.js';
import {
  certificateRenewals,
  deploymentRollout,
  ingressState,
  recentWarning,
  servicePorts,
} from './kube-workload-summaries.js';
import type {
  AutoscalerStatus,
  CertificateRenewal,
  DeploymentRollout,
  IngressState,
  JsonPatchOperation,
  RecentWarning,
  ServicePorts,
} from './kube-workload-types.js';

/** Options every call takes: aborting the signal aborts the HTTP request. */
export interface WorkloadCallOptions {
  signal?: AbortSignal;
}

/**
 * The workload calls the Kubernetes runbooks need beyond {@link KubeTarget}: rollout state and restart, HPAs,
 * certificate renewal, bounded warning events, and the Ingress and Service of maintenance mode.
 */
export interface KubeWorkloads {
  readonly namespace: string;
  readonly deployment: string;
  /** The deployment's rollout state. */
  readRollout(opts?: WorkloadCallOptions): Promise<DeploymentRollout>;
  /** `kubectl rollout restart`: a merge patch of the template's restartedAt annotation; returns the patched state. */
  restartDeployment(at: Date, opts?: WorkloadCallOptions): Promise<DeploymentRollout>;
  /** autoscaling/v2 HPAs in the namespace, or undefined when the cluster does not serve autoscaling/v2. */
  listAutoscalers(opts?: WorkloadCallOptions): Promise<AutoscalerStatus[] | undefined>;
  /** cert-manager Certificates with renewal times (the configured names only, if any); undefined without cert-manager. */
  listCertificates(opts?: WorkloadCallOptions): Promise<CertificateRenewal[] | undefined>;
  /** At most `limit` Warning events in the namespace, newest first; `more` says the API had more. */
  listWarnings(limit: number, opts?: WorkloadCallOptions): Promise<{ warnings: RecentWarning[]; more: boolean }>;
  readIngress(name: string, opts?: WorkloadCallOptions): Promise<IngressState>;
  /** Applies an RFC 6902 JSON patch to an Ingress; a failed `test` operation answers 422. */
  patchIngress(name: string, ops: JsonPatchOperation[], opts?: WorkloadCallOptions): Promise<IngressState>;
  /** The Service's ports, or undefined when it does not exist. */
  readService(name: string, opts?: WorkloadCallOptions): Promise<ServicePorts | undefined>;
}

const restartedAtKey = 'kubectl.kubernetes.io/restartedAt';

/** Connects to the configured cluster on first use; `where` is the config path used in error messages. */
export function createKubeWorkloads(target: KubernetesTarget, where: string): KubeWorkloads {
  const { namespace, deployment } = target;
  const call = kubeCaller(target, where);

  /** Undefined for a 404, which means "not served" for a list and "does not exist" for a named object. */
  async function unlessNotFound<T>(work: Promise<T>): Promise<T | undefined> {
    try {
      return await work;
    } catch (err) {
      if (err instanceof KubeApiError && err.code === 404) return undefined;
      throw err;
    }
  }

  return {
    namespace,
    deployment,

    async readRollout(opts = {}) {
      const body = await call(`read deployment ${deployment}`, opts.signal, ({ apps }, o) =>
        apps.readNamespacedDeployment({ name: deployment, namespace }, o),
      );
      return deploymentRollout(body);
    },

    async restartDeployment(at, opts = {}) {
      const body = { spec: { template: { metadata: { annotations: { [restartedAtKey]: at.toISOString() } } } } };
      const patched = await call(`restart deployment ${deployment}`, opts.signal, ({ apps, lib }, o) =>
        apps.patchNamespacedDeployment(
          { name: deployment, namespace, body },
          // The client sends JSON Patch by default, which an object body is not.
          lib.setHeaderOptions('Content-Type', lib.PatchStrategy.MergePatch, o),
        ),
      );
      return deploymentRollout(patched);
    },

    async listAutoscalers(opts = {}) {
      const list = await unlessNotFound(
        call('list horizontalpodautoscalers.autoscaling/v2', opts.signal, ({ autoscaling }, o) =>
          autoscaling.listNamespacedHorizontalPodAutoscaler({ namespace }, o),
        ),
      );
      return list?.items.map(autoscalerStatus);
    },

    async listCertificates(opts = {}) {
      const body = await unlessNotFound(
        call('list certificates.cert-manager.io', opts.signal, ({ custom }, o) =>
          custom.listNamespacedCustomObject(
            { group: 'cert-manager.io', version: 'v1', namespace, plural: 'certificates' },
            o,
          ),
        ),
      );
      if (body === undefined) return undefined;
      const all = certificateRenewals(body);
      const wanted = target.certificates;
      return wanted.length === 0 ? all : all.filter((c) => wanted.includes(c.name));
    },

    async listWarnings(limit, opts = {}) {
      // The API pages in key order, not by time: `limit` bounds the work, and the newest of that page are shown.
      const list = await call('list warning events', opts.signal, ({ core }, o) =>
        core.listNamespacedEvent({ namespace, fieldSelector: 'type=Warning', limit }, o),
      );
      const warnings = list.items
        .map(recentWarning)
        .sort((a, b) => (b.lastSeen?.getTime() ?? 0) - (a.lastSeen?.getTime() ?? 0));
      return { warnings, more: Boolean(list.metadata?._continue) };
    },

    async readIngress(name, opts = {}) {
      const body = await call(`read ingress ${name}`, opts.signal, ({ networking }, o) =>
        networking.readNamespacedIngress({ name, namespace }, o),
      );
      return ingressState(body);
    },

    async patchIngress(name, ops, opts = {}) {
      const body = await call(`patch ingress ${name}`, opts.signal, ({ networking, lib }, o) =>
        networking.patchNamespacedIngress(
          { name, namespace, body: ops },
          lib.setHeaderOptions('Content-Type', lib.PatchStrategy.JsonPatch, o),
        ),
      );
      return ingressState(body);
    },

    async readService(name, opts = {}) {
      const body = await unlessNotFound(
        call(`read service ${name}`, opts.signal, ({ core }, o) => core.readNamespacedService({ name, namespace }, o)),
      );
      return body === undefined ? undefined : servicePorts(body);
    },
  };
}
