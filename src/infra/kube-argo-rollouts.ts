import type { KubernetesTarget } from '../config/ops-config.js';
import {
  type JsonObjectValue,
  type JsonValue,
  ownedRevisions,
  type RolloutRevision,
  type RolloutState,
  rolloutState,
} from './kube-argo-rollout-state.js';
import { kubeCaller } from './kube-call.js';
import { KubeApiError } from './kube-errors.js';

/** Options every call takes: aborting the signal aborts the HTTP request. */
export interface RolloutCallOptions {
  signal?: AbortSignal;
}

/**
 * The Argo Rollouts calls of `rollout …`, as `kubectl argo rollouts` makes them: read and list Rollouts
 * (argoproj.io/v1alpha1), list the ReplicaSets a Rollout owns, merge-patch its spec or its status subresource
 * (promote, abort), and replace its pod template with a JSON patch (undo).
 */
export interface KubeArgoRollouts {
  readonly namespace: string;
  /** The Rollout, or undefined when it does not exist (or Argo Rollouts is not installed). */
  readRollout(name: string, opts?: RolloutCallOptions): Promise<RolloutState | undefined>;
  /** The Rollouts' names in the namespace, or undefined when the cluster does not serve argoproj.io/v1alpha1. */
  listRolloutNames(opts?: RolloutCallOptions): Promise<string[] | undefined>;
  /** The ReplicaSets (revisions) the Rollout controls, newest revision first. */
  listRevisions(rollout: RolloutState, opts?: RolloutCallOptions): Promise<RolloutRevision[]>;
  /** A merge patch of the status subresource (`{"pauseConditions":null}`, `{"abort":true}`), as the plugin sends. */
  patchStatus(name: string, status: Record<string, JsonValue>, opts?: RolloutCallOptions): Promise<RolloutState>;
  /** A merge patch of the spec (`{"paused":false}`). */
  patchSpec(name: string, spec: Record<string, JsonValue>, opts?: RolloutCallOptions): Promise<RolloutState>;
  /** `kubectl argo rollouts undo`: a JSON patch replacing /spec/template with a revision's pod template. */
  replaceTemplate(name: string, template: JsonObjectValue, opts?: RolloutCallOptions): Promise<RolloutState>;
}

const rollouts = { group: 'argoproj.io', version: 'v1alpha1', plural: 'rollouts' } as const;

/** Connects to the configured cluster on first use; `where` is the config path used in error messages. */
export function createKubeArgoRollouts(target: KubernetesTarget, where: string): KubeArgoRollouts {
  const { namespace } = target;
  const call = kubeCaller(target, where);

  return {
    namespace,

    async readRollout(name, opts = {}) {
      try {
        const body: unknown = await call(`read rollout ${name}`, opts.signal, ({ custom }, o) =>
          custom.getNamespacedCustomObject({ ...rollouts, namespace, name }, o),
        );
        return rolloutState(body);
      } catch (err) {
        if (err instanceof KubeApiError && err.code === 404) return undefined;
        throw err;
      }
    },

    async listRolloutNames(opts = {}) {
      try {
        const body: unknown = await call('list rollouts.argoproj.io', opts.signal, ({ custom }, o) =>
          custom.listNamespacedCustomObject({ ...rollouts, namespace }, o),
        );
        const items = typeof body === 'object' && body !== null && 'items' in body ? body.items : [];
        return (Array.isArray(items) ? items : []).map((item) => rolloutState(item).name).sort();
      } catch (err) {
        if (err instanceof KubeApiError && err.code === 404) return undefined;
        throw err;
      }
    },

    async listRevisions(rollout, opts = {}) {
      const labelSelector = Object.entries(rollout.selector)
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
      // Through the generic client, so the pod templates arrive as the API's JSON, ready to be patched back (undo).
      const list: unknown = await call(`list replicasets of rollout ${rollout.name}`, opts.signal, ({ custom }, o) =>
        custom.listNamespacedCustomObject(
          { group: 'apps', version: 'v1', namespace, plural: 'replicasets', labelSelector },
          o,
        ),
      );
      return ownedRevisions(list, rollout.uid);
    },

    async patchStatus(name, status, opts = {}) {
      const body: unknown = await call(`patch status of rollout ${name}`, opts.signal, ({ custom, lib }, o) =>
        custom.patchNamespacedCustomObjectStatus(
          { ...rollouts, namespace, name, body: { status } },
          lib.setHeaderOptions('Content-Type', lib.PatchStrategy.MergePatch, o),
        ),
      );
      return rolloutState(body);
    },

    async patchSpec(name, spec, opts = {}) {
      const body: unknown = await call(`patch rollout ${name}`, opts.signal, ({ custom, lib }, o) =>
        custom.patchNamespacedCustomObject(
          { ...rollouts, namespace, name, body: { spec } },
          lib.setHeaderOptions('Content-Type', lib.PatchStrategy.MergePatch, o),
        ),
      );
      return rolloutState(body);
    },

    async replaceTemplate(name, template, opts = {}) {
      const body: unknown = await call(
        `restore the pod template of rollout ${name}`,
        opts.signal,
        ({ custom, lib }, o) =>
          custom.patchNamespacedCustomObject(
            { ...rollouts, namespace, name, body: [{ op: 'replace', path: '/spec/template', value: template }] },
            lib.setHeaderOptions('Content-Type', lib.PatchStrategy.JsonPatch, o),
          ),
      );
      return rolloutState(body);
    },
  };
}
