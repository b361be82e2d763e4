import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { UserError } from '../../../errors.js';
import {
  canaryWeight,
  describeStep,
  fullyPromoted,
  type JsonObjectValue,
  type JsonValue,
  type RolloutRevision,
  type RolloutState,
  rolloutHashLabel,
  whereItStands,
} from '../../../infra/kube-argo-rollout-state.js';
import { createKubeArgoRollouts, type KubeArgoRollouts } from '../../../infra/kube-argo-rollouts.js';
import type { ProgressItem, RunReport } from '../../report.js';
import type { RunbookContext, RunTarget, StepContext } from '../../runbook.js';
import { environmentPath, kubeAdapter } from '../k8s/k8s-context.js';
import { formatAge } from '../k8s/k8s-format.js';

/** No arguments: extra words and unknown flags are refused by name (see `leftovers`). */
export const noParams = z.object({}).strict();
export type NoParams = z.infer<typeof noParams>;

/** How often a wait asks the API. */
export const pollIntervalMs = 200;
/** How long promote, abort and undo wait for the controller by default (`kubernetes.rolloutWaitSeconds`). */
export const defaultWaitSeconds = 600;

/** The environment's Argo Rollouts adapter, or a UserError naming the config that is missing. */
export const requireRollouts: (ctx: Pick<RunbookContext, 'infra' | 'target'>) => KubeArgoRollouts =
  kubeAdapter(createKubeArgoRollouts);

/** The Rollout's name: `kubernetes.rollout`, else the deployment's name. */
export function rolloutNameOf(target: RunTarget): string {
  const k = target.env.kubernetes;
  return k?.rollout ?? k?.deployment ?? 'rollout';
}

/** The configured wait for the controller, in seconds. */
export function waitSecondsOf(target: RunTarget): number {
  return target.env.kubernetes?.rolloutWaitSeconds ?? defaultWaitSeconds;
}

/** Reads the Rollout, or refuses naming the config key and what the namespace has instead. */
export async function readRolloutOrRefuse(
  ctx: Pick<RunbookContext, 'infra' | 'target' | 'signal'>,
): Promise<RolloutState> {
  const adapter = requireRollouts(ctx);
  const name = rolloutNameOf(ctx.target);
  const found = await adapter.readRollout(name, { signal: ctx.signal });
  if (found) return found;
  const names = await adapter.listRolloutNames({ signal: ctx.signal });
  const there =
    names === undefined
      ? 'the cluster does not serve argoproj.io/v1alpha1 (is Argo Rollouts installed?)'
      : names.length === 0
        ? `there is no Rollout in ${adapter.namespace}`
        : `Rollouts in ${adapter.namespace}: ${names.join(', ')}`;
  const key = `${environmentPath(ctx.target)}.kubernetes.rollout`;
  throw new UserError(
    'not_found',
    `No Argo Rollouts Rollout "${name}" in ${adapter.namespace} (${there}). Set ${key} to the Rollout's name (it defaults to the deployment's).`,
  );
}

/** What a wait decides from one read: done (with a line for the report), failed, or keep waiting. */
export type WaitVerdict = { done: string } | { failed: string } | undefined;

/**
 * Polls the Rollout until `judge` says done or failed. Past `kubernetes.rolloutWaitSeconds` it fails, saying where
 * the rollout stopped; the step's signal (cancel, step timeout) ends it too.
 */
export async function waitForRollout(
  ctx: StepContext<unknown>,
  what: string,
  judge: (r: RolloutState) => WaitVerdict | Promise<WaitVerdict>,
  onWaiting: (line: string) => void,
): Promise<{ state: RolloutState; line: string; waitedMs: number }> {
  const started = Date.now();
  const seconds = waitSecondsOf(ctx.target);
  const deadline = AbortSignal.timeout(seconds * 1000);
  const signal = AbortSignal.any([ctx.signal, deadline]);
  let last: RolloutState | undefined;
  for (;;) {
    try {
      last = await readRolloutOrRefuse({ ...ctx, signal });
      const verdict = await judge(last);
      if (verdict && 'done' in verdict) return { state: last, line: verdict.done, waitedMs: Date.now() - started };
      if (verdict && 'failed' in verdict) throw new Error(verdict.failed);
      onWaiting(whereItStands(last));
      await sleep(pollIntervalMs, undefined, { signal });
    } catch (err) {
      if (deadline.aborted && !ctx.signal.aborted) {
        const where = last ? whereItStands(last) : 'not read yet';
        throw new Error(`${what} not reached within ${seconds} s; the rollout stopped at ${where}.`);
      }
      if (ctx.signal.aborted) throw ctx.signal.reason;
      throw err;
    }
  }
}

/** The stable and canary revisions of a Rollout, from its ReplicaSets (the pod template hash of each). */
export function revisionsOf(
  r: RolloutState,
  revisions: RolloutRevision[],
): { stable: RolloutRevision | undefined; canary: RolloutRevision | undefined } {
  const stable = revisions.find((rs) => rs.hash !== undefined && rs.hash === r.stableRS);
  const canary = revisions.find((rs) => rs.hash !== undefined && rs.hash === r.currentPodHash);
  return { stable, canary };
}

function pauseLine(r: RolloutState, now: number): string {
  if (r.specPaused) return 'paused by spec.paused (manually)';
  const condition = r.pauseConditions[0];
  if (!condition) return 'not paused';
  const step = r.currentStepIndex === undefined ? undefined : r.steps[r.currentStepIndex];
  const since = condition.startTime ? ` since ${formatAge(now - condition.startTime.getTime())}` : '';
  if (step?.kind === 'pause' && step.durationSeconds !== undefined && condition.startTime) {
    const left = condition.startTime.getTime() + step.durationSeconds * 1000 - now;
    return `${condition.reason}${since}: ${left > 0 ? `${formatAge(left)} left of ${step.duration}` : `${step.duration} elapsed, resuming`}`;
  }
  return `${condition.reason}${since}, until promoted`;
}

/** The facts `rollout status` reports (and the other runbooks show before and after). */
export function stateItems(r: RolloutState, revisions: RolloutRevision[], now = Date.now()): ProgressItem[] {
  const { stable, canary } = revisionsOf(r, revisions);
  const total = r.steps.length;
  const index = r.currentStepIndex ?? total;
  const promoted = fullyPromoted(r);
  const stepValue = total === 0 ? 'no steps' : index >= total ? `${total}/${total}` : `${index + 1}/${total}`;
  const stepSummary =
    total === 0
      ? `${r.strategy} strategy without canary steps`
      : index >= total
        ? 'all steps done'
        : describeStep(r.steps[index]);
  const phaseStatus = r.phase === 'Healthy' ? 'ok' : r.phase === 'Degraded' || r.abort ? 'fail' : 'warn';
  const stableImages = stable?.images ?? (promoted ? r.images : []);
  const canaryImages = canary?.images ?? r.images;
  return [
    {
      id: 'phase',
      title: 'Status',
      status: phaseStatus,
      value: r.phase ?? 'unknown',
      summary: `${r.message ?? (r.abort ? 'aborted' : 'no message')} · revision ${r.revision ?? '?'}`,
    },
    { id: 'step', title: 'Step', status: 'ok', value: stepValue, summary: stepSummary },
    {
      id: 'weight',
      title: 'Canary weight',
      status: 'ok',
      value: `${canaryWeight(r)} %`,
      summary: r.weights ? `stable ${r.weights.stable} % (traffic routing)` : 'from the setWeight steps',
    },
    { id: 'pause', title: 'Pause', status: 'ok', summary: pauseLine(r, now) },
    {
      id: 'stable',
      title: 'Stable',
      status: 'ok',
      value: stableImages.join(', ') || 'unknown',
      summary: `ReplicaSet ${stable?.name ?? r.stableRS ?? '?'}${stable ? ` (revision ${stable.revision ?? '?'}, ${stable.availableReplicas}/${stable.replicas} available)` : ''}`,
    },
    {
      id: 'canary',
      title: 'Canary',
      status: 'ok',
      value: promoted ? 'none (fully promoted)' : canaryImages.join(', ') || 'unknown',
      summary: promoted
        ? 'the stable revision is the current one'
        : `ReplicaSet ${canary?.name ?? r.currentPodHash ?? '?'}${canary ? ` (revision ${canary.revision ?? '?'}, ${canary.availableReplicas}/${canary.replicas} available)` : ''}`,
    },
    {
      id: 'analysis',
      title: 'Analysis',
      status: r.analysis?.status === 'Failed' || r.analysis?.status === 'Error' ? 'fail' : 'ok',
      value: r.analysis?.status ?? 'none',
      summary: r.analysis
        ? `AnalysisRun ${r.analysis.name}${r.analysis.message ? `: ${r.analysis.message}` : ''}`
        : 'no analysis running for this step',
    },
  ];
}

/** The report's detail section: the steps with a marker at the current one, and the revisions. */
export function stateDetails(r: RolloutState, revisions: RolloutRevision[]): { title: string; lines: string[] }[] {
  const index = r.currentStepIndex ?? r.steps.length;
  return [
    {
      title: `Steps of ${r.name}`,
      lines:
        r.steps.length === 0
          ? ['(no canary steps)']
          : r.steps.map((s, i) => `${i < index ? '✓' : i === index ? '▶' : '·'} ${i + 1}. ${describeStep(s)}`),
    },
    {
      title: 'Revisions',
      lines: revisions.map(
        (rs) =>
          `${rs.revision ?? '?'}: ${rs.name} ${rs.images.join(', ')} (${rs.availableReplicas}/${rs.replicas} available)${rs.hash === r.stableRS ? ' stable' : ''}${rs.hash === r.currentPodHash && rs.hash !== r.stableRS ? ' canary' : ''}`,
      ),
    },
  ];
}

/** The report a change runbook ends with: its own items first, then the Rollout as it stands now. */
export async function reportNow(
  ctx: StepContext<unknown>,
  r: RolloutState,
  headline: string,
  items: ProgressItem[],
): Promise<RunReport> {
  const revisions = await requireRollouts(ctx).listRevisions(r, { signal: ctx.signal });
  return {
    status: 'ok',
    headline,
    items: [...items, ...stateItems(r, revisions)],
    details: stateDetails(r, revisions),
  };
}

/** A pod template without Argo's hash label, with sorted keys: two revisions of the same template compare equal. */
export function templateKey(template: JsonObjectValue): string {
  const copy: JsonValue = structuredClone(template);
  const labels = isObject(copy) && isObject(copy.metadata) ? copy.metadata.labels : undefined;
  if (isObject(labels)) delete labels[rolloutHashLabel];
  return canonicalJson(copy);
}

function isObject(v: JsonValue | undefined): v is { [key: string]: JsonValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function canonicalJson(v: JsonValue): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (isObject(v)) {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k] ?? null)}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** The template `undo` writes back: the revision's, without the hash label (the controller adds its own). */
export function templateForRollout(template: JsonObjectValue): JsonObjectValue {
  const copy: JsonObjectValue = structuredClone(template);
  const metadata = copy.metadata;
  const labels = isObject(metadata) ? metadata.labels : undefined;
  if (isObject(labels)) delete labels[rolloutHashLabel];
  return copy;
}
