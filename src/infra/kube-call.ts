import type {
  AppsV1Api,
  AutoscalingV2Api,
  BatchV1Api,
  ConfigurationOptions,
  CoreV1Api,
  CustomObjectsApi,
  NetworkingV1Api,
  ObservableMiddleware,
  RbacAuthorizationV1Api,
} from '@kubernetes/client-node';
import type { KubernetesTarget } from '../config/ops-config.js';
import { abortable } from './abortable.js';
import { buildKubeConfig } from './kube-config.js';
import { signalOptions, toKubeError } from './kube-errors.js';
import { type KubeLib, loadKubeLib } from './kube-lib.js';

/** The API groups the runbooks call. */
export interface KubeClients {
  core: CoreV1Api;
  apps: AppsV1Api;
  autoscaling: AutoscalingV2Api;
  networking: NetworkingV1Api;
  custom: CustomObjectsApi;
  batch: BatchV1Api;
  rbac: RbacAuthorizationV1Api;
  /** The library itself, for its helpers (patch content types). */
  lib: KubeLib;
}

/** Sends one request with the clients and the per-call options (the abort signal). */
export type KubeCall = <T>(
  what: string,
  signal: AbortSignal | undefined,
  send: (clients: KubeClients, options: ConfigurationOptions<ObservableMiddleware>) => Promise<T>,
) => Promise<T>;

/**
 * One call path to a cluster: the clients are built on first use (so a bad cluster config fails the Kubernetes work
 * with its message, not every check), an aborted signal aborts the request, and errors become KubeApiErrors naming
 * `what`. `where` is the config path used in error messages.
 */
export function kubeCaller(target: KubernetesTarget, where: string): KubeCall {
  let clients: KubeClients | undefined;
  const api = (lib: KubeLib): KubeClients => {
    if (!clients) {
      const kc = buildKubeConfig(lib, target.cluster, `${where}.cluster`);
      clients = {
        core: kc.makeApiClient(lib.CoreV1Api),
        apps: kc.makeApiClient(lib.AppsV1Api),
        autoscaling: kc.makeApiClient(lib.AutoscalingV2Api),
        networking: kc.makeApiClient(lib.NetworkingV1Api),
        custom: kc.makeApiClient(lib.CustomObjectsApi),
        batch: kc.makeApiClient(lib.BatchV1Api),
        rbac: kc.makeApiClient(lib.RbacAuthorizationV1Api),
        lib,
      };
    }
    return clients;
  };
  return async (what, signal, send) => {
    signal?.throwIfAborted();
    const lib = await loadKubeLib();
    // Outside the try: a bad cluster config is a ConfigError naming its key, not an API error.
    const clients = api(lib);
    try {
      // The signal aborts the HTTP request; abortable() also covers the auth step before it (exec plugins, files).
      return await abortable(send(clients, signalOptions(lib, signal)), signal);
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      throw toKubeError(lib, err, what);
    }
  };
}
