import type { KubeTarget } from '../../../infra/kube.js';
import { waitForPodsGone, waitForReady } from '../../../infra/kube-rollout.js';
import type { DeploymentSummary } from '../../../infra/kube-types.js';
import type { RunTarget, StepContext } from '../../runbook.js';
import { stepProgress } from '../../step-progress.js';
import { type StepSkipped, stepSkipped } from '../../step-skipped.js';
import { configPath, requireKube } from '../backup/backup-context.js';
import type { RestoreMaterial } from './restore-plan.js';
import { type RestoreStepName, replicasBeforeRestoreAnnotation, restoreStepTitles } from './restore-titles.js';

/** How often the waits ask the Kubernetes API; a rollout takes seconds, so this costs little. */
const pollIntervalMs = 250;

/** Why a restore without a configured deployment scales nothing, naming the config that would change that. */
export function noDeploymentReason(target: RunTarget): string {
  return `no Kubernetes deployment is configured for ${target.environment} (${configPath(target)}.kubernetes), so nothing is scaled down or up`;
}

/** Marks a step skipped in the run message and returns why. */
export function skipStep(
  ctx: StepContext<unknown>,
  step: RestoreStepName,
  reason: string,
  short = reason,
): StepSkipped {
  ctx.progress(stepProgress(restoreStepTitles, step, `skipped: ${reason}`));
  return stepSkipped(reason, short);
}

const elapsed = (started: number) => Math.round(performance.now() - started);

/** Scales to `replicas` and waits until that many are ready (or, for 0, until the pods are gone). */
export async function scaleAndWait(
  kube: KubeTarget,
  replicas: number,
  signal: AbortSignal,
  onWaiting?: (status: string) => void,
): Promise<number> {
  // A scale the deployment already has is not sent again (a put-back after a refused scale-down changes nothing).
  const now = await kube.readDeployment({ signal });
  if (now.replicas !== replicas) await kube.scaleDeployment(replicas, { signal });
  if (replicas === 0) {
    await waitForPodsGone(kube, { signal, intervalMs: pollIntervalMs, onWaiting });
    return 0;
  }
  const d = await waitForReady(kube, replicas, { signal, intervalMs: pollIntervalMs, onWaiting });
  return d.readyReplicas;
}

/**
 * Scales the approved deployment to 0 and waits until its pods are gone; a no-op when none was approved. The
 * replicas it scaled down from are left on the deployment as an annotation, so `restore scale-up` (and anyone with
 * kubectl) can bring it back even if this run's worker is gone.
 */
export async function scaleDown(
  ctx: StepContext<unknown>,
  m: RestoreMaterial,
  signal: AbortSignal,
): Promise<{ from: number; to: 0; durationMs: number; downAt: number } | StepSkipped> {
  // The approved plan decides, not today's config: a deployment configured since needs a new approval anyway.
  if (m.deployment === null)
    return skipStep(ctx, 'scale-down', noDeploymentReason(ctx.target), 'no deployment configured');
  const kube = requireKube(ctx);
  const started = performance.now();
  const downAt = Date.now();
  await kube.annotateDeployment({ [replicasBeforeRestoreAnnotation]: String(m.deployment.replicas) }, { signal });
  await scaleAndWait(kube, 0, signal, (status) => ctx.progress(stepProgress(restoreStepTitles, 'scale-down', status)));
  return { from: m.deployment.replicas, to: 0, durationMs: elapsed(started), downAt };
}

/** Scales the approved deployment back to its original replicas and waits until ready; a no-op without one. */
export async function scaleUp(
  ctx: StepContext<unknown>,
  m: RestoreMaterial,
  signal: AbortSignal,
): Promise<{ replicas: number; readyReplicas: number; durationMs: number; upAt: number } | StepSkipped> {
  if (m.deployment === null)
    return skipStep(ctx, 'scale-up', noDeploymentReason(ctx.target), 'no deployment configured');
  const kube = requireKube(ctx);
  const started = performance.now();
  const { replicas } = m.deployment;
  const ready = await restoreReplicas(kube, replicas, signal, (status) =>
    ctx.progress(stepProgress(restoreStepTitles, 'scale-up', status)),
  );
  return { replicas, readyReplicas: ready, durationMs: elapsed(started), upAt: Date.now() };
}

/** Scales back to the replicas from before the restore, waits until ready, and removes the restore's annotation. */
export async function restoreReplicas(
  kube: KubeTarget,
  replicas: number,
  signal: AbortSignal,
  onWaiting?: (status: string) => void,
): Promise<number> {
  const ready = await scaleAndWait(kube, replicas, signal, onWaiting);
  await kube.annotateDeployment({ [replicasBeforeRestoreAnnotation]: null }, { signal });
  return ready;
}

/** The replicas a deployment had before a restore scaled it down (its annotation), or what it has now. */
export function replicasBeforeRestore(d: DeploymentSummary): { replicas: number; fromAnnotation: boolean } {
  const noted = Number(d.annotations[replicasBeforeRestoreAnnotation]);
  if (Number.isInteger(noted) && noted > 0 && d.replicas < noted) return { replicas: noted, fromAnnotation: true };
  return { replicas: d.replicas, fromAnnotation: false };
}
