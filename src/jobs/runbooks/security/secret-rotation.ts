import { setTimeout as sleep } from 'node:timers/promises';
import { waitForRollout } from '../../../infra/kube-rollout-status.js';
import { createKubeSecrets, type KubeSecrets } from '../../../infra/kube-secrets.js';
import type { RunbookContext } from '../../runbook.js';
import { kubeAdapter, requireWorkloads } from '../k8s/k8s-context.js';

/** The environment's Secret adapter, or a UserError naming the config that is missing. */
export const requireSecrets: (ctx: Pick<RunbookContext, 'infra' | 'target'>) => KubeSecrets =
  kubeAdapter(createKubeSecrets);

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
