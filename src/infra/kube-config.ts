import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import type { ClusterConfig } from '../config/ops-config.js';
import { ConfigError, messageOf } from '../errors.js';
import type { KubeLib } from './kube-lib.js';

/**
 * Builds the client configuration for one cluster: server + token, a kubeconfig file (and context), the pod's
 * service account, or the default loading rules (KUBECONFIG, ~/.kube/config, in-cluster) when nothing is given.
 */
export function buildKubeConfig(lib: KubeLib, cluster: ClusterConfig | undefined, where: string): KubeConfig {
  const kc = new lib.KubeConfig();
  try {
    if (cluster?.inCluster) {
      kc.loadFromCluster();
    } else if (cluster?.kubeconfig) {
      kc.loadFromFile(cluster.kubeconfig);
      if (cluster.context) kc.setCurrentContext(cluster.context);
    } else if (cluster?.server) {
      // The client refuses plain HTTP unless TLS checks are off; say which key to set instead of failing per call.
      if (cluster.server.startsWith('http://') && !cluster.skipTLSVerify) {
        throw new ConfigError(
          `${where}.server is plain http://; set ${where}.skipTLSVerify: true to allow it, or use https://`,
        );
      }
      kc.loadFromOptions({
        clusters: [
          { name: 'target', server: cluster.server, skipTLSVerify: cluster.skipTLSVerify, caFile: cluster.caFile },
        ],
        users: [{ name: 'bot', token: cluster.token }],
        contexts: [{ name: 'target', cluster: 'target', user: 'bot' }],
        currentContext: 'target',
      });
    } else {
      kc.loadFromDefault();
    }
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`Cannot load the Kubernetes client configuration for ${where}: ${messageOf(err)}`);
  }
  if (!kc.getCurrentCluster()) {
    throw new ConfigError(
      `No Kubernetes cluster found for ${where}: set ${where}.server and token, kubeconfig, or inCluster`,
    );
  }
  return kc;
}

/**
 * Whether a cluster can be reached at all: one is named in the config, or the default loading rules would find
 * one (KUBECONFIG, ~/.kube/config, or a pod's service account). When not, the Kubernetes target is "not configured".
 */
export function clusterConfigured(cluster: ClusterConfig | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  if (cluster?.server || cluster?.kubeconfig || cluster?.inCluster) return true;
  if (env.KUBECONFIG || env.KUBERNETES_SERVICE_HOST) return true;
  return existsSync(join(env.HOME ?? homedir(), '.kube', 'config'));
}

/**
 * The exact keys (under the environment) that keep a cluster from being reached, or undefined when it can be: the
 * whole `kubernetes` block, or inside it the cluster's server and token (a server alone gets no credentials).
 */
export function missingKubeKeys(
  kubernetes: { cluster?: ClusterConfig } | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (!kubernetes) return 'kubernetes (namespace, deployment, labelSelector and cluster)';
  const c = kubernetes.cluster;
  if (c?.kubeconfig || c?.inCluster) return undefined;
  if (c?.server) return c.token ? undefined : 'kubernetes.cluster.token (the server is set, the token is empty)';
  if (clusterConfigured(c, env)) return undefined;
  return 'kubernetes.cluster.server and kubernetes.cluster.token (both empty; or kubernetes.cluster.kubeconfig, or kubernetes.cluster.inCluster: true)';
}
