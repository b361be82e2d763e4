import type { KubernetesTarget } from '../config/ops-config.js';
import { kubeCaller } from './kube-call.js';
import { KubeApiError } from './kube-errors.js';

/** Options every call takes: aborting the signal aborts the HTTP request. */
export interface SecretCallOptions {
  signal?: AbortSignal;
}

/**
 * A Secret as the rotation runbooks hold it: `data` keeps the API's base64 values untouched, so putting an old
 * Secret back writes exactly the bytes that were there. Never log or checkpoint a SecretState.
 */
export interface SecretState {
  name: string;
  type: string;
  resourceVersion: string;
  data: Readonly<Record<string, string>>;
}

/** The Secret calls of the rotation runbooks: read one named Secret, and replace its data. */
export interface KubeSecrets {
  readonly namespace: string;
  /** The Secret, or undefined when it does not exist. */
  readSecret(name: string, opts?: SecretCallOptions): Promise<SecretState | undefined>;
  /**
   * Replaces the Secret's data (an update, as `kubectl apply` does), keeping its labels, annotations and type.
   * With `resourceVersion`, the API refuses (409) when the Secret changed since it was read.
   */
  replaceSecretData(
    name: string,
    data: Record<string, string>,
    opts?: SecretCallOptions & { resourceVersion?: string },
  ): Promise<SecretState>;
}

/** A Secret's value as text. */
export function secretText(secret: SecretState, key: string): string | undefined {
  const value = secret.data[key];
  return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
}

/** Text as a Secret data value. */
export function secretValue(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

/** Connects to the configured cluster on first use; `where` is the config path used in error messages. */
export function createKubeSecrets(target: KubernetesTarget, where: string): KubeSecrets {
  const { namespace } = target;
  const call = kubeCaller(target, where);

  type Body = { metadata?: { name?: string; resourceVersion?: string }; type?: string; data?: Record<string, string> };
  const stateOf = (name: string, body: Body): SecretState => ({
    name: body.metadata?.name ?? name,
    type: body.type ?? 'Opaque',
    resourceVersion: body.metadata?.resourceVersion ?? '',
    data: { ...(body.data ?? {}) },
  });

  return {
    namespace,

    async readSecret(name, opts = {}) {
      try {
        const body = await call(`read secret ${name}`, opts.signal, ({ core }, o) =>
          core.readNamespacedSecret({ name, namespace }, o),
        );
        return stateOf(name, body);
      } catch (err) {
        if (err instanceof KubeApiError && err.code === 404) return undefined;
        throw err;
      }
    },

    async replaceSecretData(name, data, opts = {}) {
      const current = await call(`read secret ${name}`, opts.signal, ({ core }, o) =>
        core.readNamespacedSecret({ name, namespace }, o),
      );
      const metadata = {
        ...current.metadata,
        resourceVersion: opts.resourceVersion ?? current.metadata?.resourceVersion,
      };
      // stringData would be merged into data by the server; sending data alone replaces every key.
      const body = { ...current, metadata, data, stringData: undefined };
      const replaced = await call(`replace secret ${name}`, opts.signal, ({ core }, o) =>
        core.replaceNamespacedSecret({ name, namespace, body }, o),
      );
      return stateOf(name, replaced);
    },
  };
}
