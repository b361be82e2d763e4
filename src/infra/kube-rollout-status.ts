import { setTimeout as sleep } from 'node:timers/promises';
import { countOf } from '../format/words.js';
import type { DeploymentRollout } from './kube-workload-types.js';

/** Where a rollout stands, in `kubectl rollout status` terms. */
export type RolloutProgress = { done: true } | { done: false; waiting: string } | { done: false; failed: string };

/**
 * The rollout's progress, judged as `kubectl rollout status` does: the controller observed the spec, every replica
 * is updated and available, and no old replica is left.
 */
export function rolloutProgress(d: DeploymentRollout, generation = d.generation): RolloutProgress {
  if (d.observedGeneration < generation)
    return { done: false, waiting: 'waiting for the controller to see the change' };
  if (d.deadlineExceeded) return { done: false, failed: `rollout stalled: ${d.deadlineExceeded}` };
  if (d.updatedReplicas < d.replicas) {
    return { done: false, waiting: `${d.updatedReplicas} of ${countOf(d.replicas, 'replica')} updated` };
  }
  if (d.statusReplicas > d.updatedReplicas) {
    return {
      done: false,
      waiting: `${countOf(d.statusReplicas - d.updatedReplicas, 'old replica')} pending termination`,
    };
  }
  if (d.availableReplicas < d.updatedReplicas) {
    return { done: false, waiting: `${d.availableReplicas} of ${d.updatedReplicas} updated replicas available` };
  }
  return { done: true };
}

/** How a rollout wait polls; it ends when the rollout is done or stalled, or the signal aborts. */
export interface RolloutWait {
  signal: AbortSignal;
  /** The generation the rollout must reach (the one a patch returned); defaults to the deployment's current one. */
  generation?: number;
  intervalMs?: number;
  /** Called after each poll that is not done yet, with a line for people. */
  onWaiting?(status: string): void;
}

/** Polls `read` until {@link rolloutProgress} is done; throws when the rollout stalled. Returns the last state. */
export async function waitForRollout(
  read: (signal: AbortSignal) => Promise<DeploymentRollout>,
  opts: RolloutWait,
): Promise<DeploymentRollout> {
  for (;;) {
    const d = await read(opts.signal);
    const progress = rolloutProgress(d, opts.generation);
    if (progress.done) return d;
    if ('failed' in progress) throw new Error(progress.failed);
    opts.onWaiting?.(progress.waiting);
    try {
      await sleep(opts.intervalMs ?? 500, undefined, { signal: opts.signal });
    } catch (err) {
      // timers/promises rejects with its own AbortError; callers expect the signal's reason (timeout or cancel).
      if (opts.signal.aborted) throw opts.signal.reason;
      throw err;
    }
  }
}
