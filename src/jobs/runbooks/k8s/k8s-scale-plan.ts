import { z } from 'zod';
import { UserError } from '../../../errors.js';
import { countOf, nounFor } from '../../../format/words.js';
import type { AutoscalerStatus } from '../../../infra/kube-workload-types.js';
import type { Plan } from '../../plan.js';
import type { RunbookContext, RunTarget } from '../../runbook.js';
import { requireKube } from '../backup/backup-context.js';
import { requireWorkloads } from './k8s-context.js';

/** The most replicas the bot sets; more is a capacity decision, not a chat command. */
export const maxReplicas = 100;

const replicasError = (input: unknown) =>
  input === undefined
    ? 'give the number of replicas, e.g. scale 3'
    : `expected a whole number of replicas from 0 to ${maxReplicas}, not "${String(input).slice(0, 20)}"`;

/** `scale <replicas> [--confirm-large]`. */
export const scaleParams = z
  .object({
    replicas: z
      .number({ error: (issue) => replicasError(issue.input) })
      .int({ error: (issue) => replicasError(issue.input) })
      .min(0, { error: (issue) => replicasError(issue.input) })
      .max(maxReplicas, { error: (issue) => replicasError(issue.input) }),
    /** The requester knows the change is large and asks for approval. */
    confirmLarge: z.boolean({ error: '--confirm-large takes no value' }).default(false),
  })
  .strict();
/** The scale runbook's params. */
export type ScaleParams = z.infer<typeof scaleParams>;

/** Whether going from `from` to `to` replicas changes them by more than half (any change from 0 counts). */
export function isLargeChange(from: number, to: number): boolean {
  return from === 0 ? to !== 0 : Math.abs(to - from) / from > 0.5;
}

/** The change as people say it: "+150 %", "-100 %", "from 0". */
export function changePercent(from: number, to: number): string {
  if (from === 0) return 'from 0';
  const pct = Math.round(((to - from) / from) * 100);
  return `${pct > 0 ? '+' : ''}${pct} %`;
}

/** The command that asks for the same scale again, e.g. with --confirm-large. */
export function scaleCommand(target: RunTarget, replicas: number, confirmLarge: boolean): string {
  return `${target.service.command} scale ${replicas}${confirmLarge ? ' --confirm-large' : ''} --env ${target.environment}`;
}

/** Refuses a large change that was not asked for as one: it would skip the approval a large change needs. */
export function refuseUnconfirmedLarge(target: RunTarget, from: number, p: ScaleParams, deployment: string): void {
  if (p.replicas === 0 || p.confirmLarge || !isLargeChange(from, p.replicas)) return;
  throw new UserError(
    'invalid_arguments',
    `Scaling ${deployment} from ${from} to ${p.replicas} replicas changes them by ${changePercent(from, p.replicas)}, more than 50 %, so it needs an approver. Run \`${scaleCommand(target, p.replicas, true)}\`.`,
  );
}

/** The HPA that scales the deployment, if any; a cluster without autoscaling/v2 (or an error reading it) has none. */
export async function autoscalerOf(ctx: RunbookContext, deployment: string): Promise<AutoscalerStatus | undefined> {
  const all = await requireWorkloads(ctx)
    .listAutoscalers({ signal: ctx.signal })
    .catch(() => undefined);
  return all?.find((h) => h.targetKind === 'Deployment' && h.targetName === deployment);
}

/** Why manual replicas may not stick: an HPA sets them itself within its bounds. */
export function autoscalerNote(hpa: AutoscalerStatus | undefined, to: number): string | undefined {
  if (!hpa) return undefined;
  const bounds = `${hpa.minReplicas}–${hpa.maxReplicas}`;
  if (to === 0)
    return `HPA ${hpa.name} scales this deployment (${bounds}); at 0 replicas it stops scaling until scaled up again`;
  return `HPA ${hpa.name} scales this deployment (${bounds}); it will move replicas back within its bounds`;
}

/** What a destructive scale's approval is bound to: the workload and both replica counts. */
export const scaleMaterial = z.object({
  namespace: z.string(),
  deployment: z.string(),
  from: z.number().int().nonnegative(),
  to: z.number().int().nonnegative(),
});

/** The dry run of a destructive scale: replicas before and after, the pods that go, and how to undo it. */
export async function planScale(ctx: RunbookContext, p: ScaleParams): Promise<Plan> {
  const kube = requireKube(ctx);
  const [d, pods, hpa] = await Promise.all([
    kube.readDeployment({ signal: ctx.signal }),
    kube.listPods({ signal: ctx.signal }),
    autoscalerOf(ctx, kube.deployment),
  ]);
  const workload = `${kube.namespace}/${kube.deployment}`;
  const from = d.replicas;
  const to = p.replicas;
  const note = autoscalerNote(hpa, to);
  const gone =
    to < from
      ? `${from - to} of ${countOf(pods.length, 'pod')} will be terminated`
      : `${countOf(to - from, 'pod')} will start`;
  const material: z.infer<typeof scaleMaterial> = { namespace: kube.namespace, deployment: kube.deployment, from, to };
  return {
    summary: `Scale ${workload} from ${from} to ${countOf(to, 'replica')}`,
    fields: [
      { label: 'Deployment', value: `${workload} · ${d.images.join(', ') || 'no image'}` },
      { label: 'Replicas', value: `${from} → ${to} (${changePercent(from, to)}) · ${d.readyReplicas} ready now` },
      {
        label: 'Pods',
        value: to === 0 ? `all ${countOf(pods.length, 'pod')} will be terminated: the service stops` : gone,
      },
      ...(note ? [{ label: 'Autoscaler', value: note }] : []),
      { label: 'Roll back with', value: scaleCommand(ctx.target, from, isLargeChange(to, from)) },
    ],
    steps: [
      `Set spec.replicas of ${workload} to ${to} through the scale subresource`,
      to === 0
        ? 'Wait until every pod is gone'
        : `Wait until ${countOf(to, 'replica')} ${nounFor(to, 'is', 'are')} updated, ready and available`,
    ],
    material,
  };
}
