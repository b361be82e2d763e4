import { setTimeout as sleep } from 'node:timers/promises';
import { UserError } from '../../../errors.js';
import type { Infra } from '../../../infra/infra.js';
import { clusterConfigured } from '../../../infra/kube-config.js';
import { waitForRollout } from '../../../infra/kube-rollout-status.js';
import { createKubeSecrets, type KubeSecrets } from '../../../infra/kube-secrets.js';
import type { RunbookContext } from '../../runbook.js';
import { environmentPath, requireWorkloads } from '../k8s/k8s-context.js';

// One adapter per Infra (i.e. per run or validation), built on first use and dropped with it.
const cache = new WeakMap<Infra, KubeSecrets>();

/** The environment's Secret adapter, or a UserError naming the config that is missing. */
export function requireSecrets(ctx: Pick<RunbookContext, 'infra' | 'target'>): KubeSecrets {
  const cached = cache.get(ctx.infra);
  if (cached) return cached;
  const kubernetes = ctx.target.env.kubernetes;
  if (!kubernetes || !clusterConfigured(kubernetes.cluster)) {
    throw new UserError(
      'unavailable',
      `No Kubernetes cluster is configured for ${ctx.target.environment}: set ${environmentPath(ctx.target)}.kubernetes.`,
    );
  }
  const secrets = createKubeSecrets(kubernetes, `${environmentPath(ctx.target)}.kubernetes`);
  cache.set(ctx.infra, secrets);
  return secrets;
}

/** How often rollout and reconnect waits ask again. */
export const pollIntervalMs = 250;

/** How long a rotation waits for a rollout before it counts as failed (and puts things back). */
const rolloutTimeoutMs = 10 * 60_000;

/** `kubectl rollout restart` and `rollout status`: returns the replicas once every pod is new and ready. */
export async function restartAndWait(
  ctx: Pick<RunbookContext, 'infra' | 'target'>,
  signal: AbortSignal,
  onWaiting?: (status: string) => void,
): Promise<{ replicas: number; readyReplicas: number }> {
  const workloads = requireWorkloads(ctx);
  const patched = await workloads.restartDeployment(new Date(), { signal });
  const bounded = AbortSignal.any([signal, AbortSignal.timeout(rolloutTimeoutMs)]);
  try {
    const done = await waitForRollout((s) => workloads.readRollout({ signal: s }), {
      signal: bounded,
      generation: patched.generation,
      intervalMs: pollIntervalMs,
      ...(onWaiting ? { onWaiting } : {}),
    });
    return { replicas: done.replicas, readyReplicas: done.readyReplicas };
  } catch (err) {
    if (!signal.aborted && bounded.aborted) {
      throw new Error(
        `the rollout of ${workloads.deployment} did not complete within ${rolloutTimeoutMs / 60_000} min`,
      );
    }
    throw err;
  }
}

/** Waits `ms`, or throws the signal's reason when it aborts first. */
export async function pause(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    throw err;
  }
}

/** A rollback's own deadline: it must run even when the step's signal aborted (timeout or cancel). */
export const rollbackTimeoutMs = 5 * 60_000;
