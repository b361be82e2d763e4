import { waitForPodsGone, waitForReady } from '../../infra/kube-rollout.js';
import type { RunTarget, StepContext } from '../runbook.js';
import { stepProgress } from '../step-progress.js';
import { configPath, requireKube } from './backup-context.js';
import type { RestoreMaterial } from './restore-plan.js';
import { type RestoreStepName, restoreStepTitles } from './restore-titles.js';

/** How often the waits ask the Kubernetes API; a rollout takes seconds, so this costs little. */
const pollIntervalMs = 250;

/** A scale step that did nothing because no deployment is configured, and why. */
export interface ScaleSkipped {
  skipped: true;
  reason: string;
  durationMs: 0;
}

/** Why a restore without a configured deployment scales nothing, naming the config that would change that. */
export function noDeploymentReason(target: RunTarget): string {
  return `no Kubernetes deployment is configured for ${target.environment} (${configPath(target)}.kubernetes), so nothing is scaled down or up`;
}

/** The plan's warning when nothing is scaled down: the application's writers are still running. */
export function writersWarning(database: string): string {
  return `Nothing stops the application's writers: stop everything that writes to ${database} by other means before approving, or its writes during the restore are lost.`;
}

function skipped(ctx: StepContext<unknown>, step: RestoreStepName): ScaleSkipped {
  const reason = noDeploymentReason(ctx.target);
  ctx.progress(stepProgress(restoreStepTitles, step, `skipped: ${reason}`));
  return { skipped: true, reason, durationMs: 0 };
}

const elapsed = (started: number) => Math.round(performance.now() - started);

/** Scales the approved deployment to 0 and waits until its pods are gone; a no-op when none was approved. */
export async function scaleDown(
  ctx: StepContext<unknown>,
  m: RestoreMaterial,
  signal: AbortSignal,
): Promise<{ from: number; to: 0; durationMs: number } | ScaleSkipped> {
  // The approved plan decides, not today's config: a deployment configured since needs a new approval anyway.
  if (m.deployment === null) return skipped(ctx, 'scale-down');
  const kube = requireKube(ctx);
  const started = performance.now();
  await kube.scaleDeployment(0, { signal });
  await waitForPodsGone(kube, {
    signal,
    intervalMs: pollIntervalMs,
    onWaiting: (status) => ctx.progress(stepProgress(restoreStepTitles, 'scale-down', status)),
  });
  return { from: m.deployment.replicas, to: 0, durationMs: elapsed(started) };
}

/** Scales the approved deployment back to its original replicas and waits until ready; a no-op without one. */
export async function scaleUp(
  ctx: StepContext<unknown>,
  m: RestoreMaterial,
  signal: AbortSignal,
): Promise<{ replicas: number; readyReplicas: number; durationMs: number } | ScaleSkipped> {
  if (m.deployment === null) return skipped(ctx, 'scale-up');
  const kube = requireKube(ctx);
  const started = performance.now();
  const { replicas } = m.deployment;
  await kube.scaleDeployment(replicas, { signal });
  const d = await waitForReady(kube, replicas, {
    signal,
    intervalMs: pollIntervalMs,
    onWaiting: (status) => ctx.progress(stepProgress(restoreStepTitles, 'scale-up', status)),
  });
  return { replicas, readyReplicas: d.readyReplicas, durationMs: elapsed(started) };
}
