/** The Kubernetes client library's exports. */
export type KubeLib = typeof import('@kubernetes/client-node');

let loading: Promise<KubeLib> | undefined;

/**
 * Loads client-node on the first Kubernetes call. It is the heaviest import (about 0.3 s at start), and a bot
 * instance that never reaches a cluster (ROLE=bot, a service without one) never pays for it.
 */
export function loadKubeLib(): Promise<KubeLib> {
  loading ??= import('@kubernetes/client-node');
  return loading;
}
