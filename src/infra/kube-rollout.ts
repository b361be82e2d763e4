import { setTimeout as sleep } from 'node:timers/promises';
import { countOf } from '../format/words.js';
import type { KubeTarget } from './kube.js';
import type { DeploymentSummary } from './kube-types.js';

/** How a wait polls and reports; it ends only when the condition holds or the signal aborts. */
export interface RolloutWaitOptions {
  signal: AbortSignal;
  /** Poll interval; a few hundred milliseconds is plenty for a rollout. */
  intervalMs?: number;
  /** Called after each poll that did not yet satisfy the condition, with a line for people. */
  onWaiting?(status: string): void;
}

async function pause(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch (err) {
    // timers/promises rejects with its own AbortError; callers expect the signal's reason (timeout or cancel).
    if (signal.aborted) throw signal.reason;
    throw err;
  }
}

/** Polls until no pod matches the deployment's selector, terminating ones included; returns how many polls it took. */
export async function waitForPodsGone(kube: KubeTarget, opts: RolloutWaitOptions): Promise<number> {
  for (let polls = 1; ; polls += 1) {
    const pods = await kube.listPods({ signal: opts.signal });
    if (pods.length === 0) return polls;
    const terminating = pods.filter((p) => p.terminating).length;
    opts.onWaiting?.(`${countOf(pods.length, 'pod')} left, ${terminating} terminating`);
    await pause(opts.intervalMs ?? 500, opts.signal);
  }
}

/** Whether the deployment has converged on `replicas`: observed, desired and ready all equal it. */
export function rolledOut(d: DeploymentSummary, replicas: number): boolean {
  return d.observed && d.replicas === replicas && d.readyReplicas === replicas && d.updatedReplicas >= replicas;
}

/** Polls the deployment until {@link rolledOut} holds; returns its last summary. */
export async function waitForReady(
  kube: KubeTarget,
  replicas: number,
  opts: RolloutWaitOptions,
): Promise<DeploymentSummary> {
  for (;;) {
    const d = await kube.readDeployment({ signal: opts.signal });
    if (rolledOut(d, replicas)) return d;
    opts.onWaiting?.(`${d.readyReplicas}/${replicas} ready`);
    await pause(opts.intervalMs ?? 500, opts.signal);
  }
}
