import type { EnvironmentConfig } from '../config/ops-config.js';
import { type BackupStore, createBackupStore } from './backups.js';
import { type CacheTarget, createCacheTarget } from './cache.js';
import { createHttpProbe, type HttpProbe } from './http-probe.js';
import { createKubeTarget, type KubeTarget } from './kube.js';
import { missingKubeKeys } from './kube-config.js';
import { createPrometheusClient, type PrometheusClient } from './prometheus.js';
import { resolveQueries } from './prometheus-queries.js';
import { createTargetDatabase, type TargetDatabase } from './target-db.js';
import { createTlsInspector, type TlsInspector } from './tls.js';

/** The adapters of one environment; a member is undefined when its target is not configured. */
export interface Infra {
  kube?: KubeTarget;
  /** Without `kube`: the exact config keys (under the environment) that are missing. */
  kubeMissing?: string;
  targetDb?: TargetDatabase;
  cache?: CacheTarget;
  backups?: BackupStore;
  prometheus?: PrometheusClient;
  /** The configured healthUrl. */
  httpProbe?: HttpProbe;
  /** The configured tlsEndpoints. */
  tls?: TlsInspector;
  /** Closes every connection the adapters opened; safe to call more than once. */
  close(): Promise<void>;
}

/** What createInfra needs besides the environment's config. */
export interface InfraOptions {
  /** The service key, substituted into the default PromQL. */
  serviceKey: string;
  /** The environment's name, used in config paths of error messages. */
  environment?: string;
}

/**
 * Creates the adapters for an environment. Nothing connects here: each adapter connects on first use, so an
 * unreachable target fails its own checks and not the others.
 */
export function createInfra(env: EnvironmentConfig, opts: InfraOptions): Infra {
  const where = `services.${opts.serviceKey}.environments.${opts.environment ?? '<env>'}`;
  const kubeMissing = missingKubeKeys(env.kubernetes);
  const kube =
    env.kubernetes && kubeMissing === undefined ? createKubeTarget(env.kubernetes, `${where}.kubernetes`) : undefined;
  const targetDb = env.database?.url ? createTargetDatabase(env.database.url) : undefined;
  const cache = env.cache?.url ? createCacheTarget(env.cache.url, env.cache.keyPrefix) : undefined;
  const bucket = env.backups?.bucket;
  const backups = env.backups && bucket ? createBackupStore({ ...env.backups, bucket }) : undefined;
  const prometheus = env.prometheus?.url
    ? createPrometheusClient(env.prometheus.url, resolveQueries(env.prometheus, opts.serviceKey))
    : undefined;
  const httpProbe = env.healthUrl ? createHttpProbe(env.healthUrl) : undefined;
  const tls = env.tlsEndpoints.length > 0 ? createTlsInspector(env.tlsEndpoints) : undefined;

  let closing: Promise<void> | undefined;
  return {
    kube,
    kubeMissing,
    targetDb,
    cache,
    backups,
    prometheus,
    httpProbe,
    tls,
    close() {
      closing ??= Promise.allSettled([targetDb?.close(), cache?.close(), backups?.close()]).then((outcomes) => {
        const failures = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason] : []));
        if (failures.length > 0) throw new AggregateError(failures, 'closing the environment adapters failed');
      });
      return closing;
    },
  };
}
