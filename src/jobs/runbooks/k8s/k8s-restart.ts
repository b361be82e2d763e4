import { z } from 'zod';
import { countOf } from '../../../format/words.js';
import { waitForRollout } from '../../../infra/kube-rollout-status.js';
import { formatSeconds } from '../../health/checks/format.js';
import type { Plan } from '../../plan.js';
import type { Runbook, RunbookContext } from '../../runbook.js';
import { stepProgress } from '../../step-progress.js';
import { requireKube } from '../backup/backup-context.js';
import { isProduction, leftovers, requireWorkloads } from './k8s-context.js';
import { formatAge } from './k8s-format.js';

const params = z.object({}).strict();
type RestartParams = z.infer<typeof params>;

const steps = [
  { name: 'restart', title: 'Rollout restart' },
  { name: 'rollout', title: 'Wait for the rollout' },
] as const;

/** How often the wait asks the API; a rollout takes seconds to minutes, so this costs little. */
const pollIntervalMs = 250;

/** What a production restart approval is bound to: the workload as it was planned. Ready counts change, so stay out. */
const restartMaterial = z.object({
  namespace: z.string(),
  deployment: z.string(),
  replicas: z.number().int().nonnegative(),
  images: z.array(z.string()),
  restartedAt: z.string().nullable(),
});

const restartOutput = z.object({
  restartedAt: z.string(),
  generation: z.number(),
  replicas: z.number(),
  previous: z.string().nullable(),
});
const rolloutOutput = z.object({
  replicas: z.number(),
  readyReplicas: z.number(),
  durationMs: z.number(),
  pods: z.array(z.string()),
});

async function planRestart(ctx: RunbookContext): Promise<Plan> {
  const workloads = requireWorkloads(ctx);
  const d = await workloads.readRollout({ signal: ctx.signal });
  const workload = `${workloads.namespace}/${d.name}`;
  const material: z.infer<typeof restartMaterial> = {
    namespace: workloads.namespace,
    deployment: d.name,
    replicas: d.replicas,
    images: d.images,
    restartedAt: d.restartedAt ?? null,
  };
  return {
    summary: `Rolling restart of ${workload} (${countOf(d.replicas, 'replica')})`,
    fields: [
      { label: 'Deployment', value: workload },
      { label: 'Replicas', value: `${d.replicas} desired, ${d.readyReplicas} ready now` },
      { label: 'Image', value: d.images.join('\n') || 'none' },
      { label: 'Strategy', value: d.strategy },
      {
        label: 'Last restart',
        value: d.restartedAt
          ? `${d.restartedAt} (${formatAge(Date.now() - Date.parse(d.restartedAt))} ago)`
          : 'never (by annotation)',
      },
    ],
    steps: [
      `Merge-patch spec.template.metadata.annotations["kubectl.kubernetes.io/restartedAt"] of ${workload} to the time of execution`,
      `Wait until ${d.replicas === 1 ? 'the replica is' : `all ${countOf(d.replicas, 'replica')} are`} replaced, ready and available, and no old pod is left`,
    ],
    material,
  };
}

/** `kubectl rollout restart` and `rollout status`: new pods replace the old ones under the rolling-update strategy. */
export const restartRunbook: Runbook<RestartParams> = {
  name: 'restart',
  summary: 'Rolling restart of the deployment, waiting for the rollout (needs approval in production)',
  usage: 'restart [--env NAME] [--dry-run]',
  examples: ['restart --env staging', 'restart'],
  risk: 'change',
  minRole: 'operator',
  params,
  parseArgs: leftovers,
  riskFor(target) {
    // Every pod is replaced: in production that is an outage risk worth a second pair of eyes.
    return isProduction(target) ? 'destructive' : 'change';
  },
  initialProgress() {
    return stepProgress(steps);
  },
  async validate(ctx) {
    await requireWorkloads(ctx).readRollout({ signal: ctx.signal });
  },
  plan: planRestart,
  steps: [
    {
      name: 'restart',
      title: 'Rollout restart',
      timeoutMs: 30_000,
      destructive: true,
      // A second restart only replaces the pods once more.
      idempotent: true,
      async run(ctx) {
        ctx.progress(stepProgress(steps, 'restart'));
        const workloads = requireWorkloads(ctx);
        const before = await workloads.readRollout({ signal: ctx.signal });
        const at = new Date();
        const patched = await workloads.restartDeployment(at, { signal: ctx.signal });
        return {
          restartedAt: at.toISOString(),
          generation: patched.generation,
          replicas: patched.replicas,
          previous: before.restartedAt ?? null,
        } satisfies z.infer<typeof restartOutput>;
      },
    },
    {
      name: 'rollout',
      title: 'Wait for the rollout',
      timeoutMs: 10 * 60_000,
      idempotent: true,
      async run(ctx) {
        const restart = restartOutput.parse(ctx.outputs.restart);
        const workloads = requireWorkloads(ctx);
        const done = await waitForRollout((signal) => workloads.readRollout({ signal }), {
          signal: ctx.signal,
          generation: restart.generation,
          intervalMs: pollIntervalMs,
          onWaiting: (status) => ctx.progress(stepProgress(steps, 'rollout', status)),
        });
        const pods = await requireKube(ctx).listPods({ signal: ctx.signal });
        return {
          replicas: done.replicas,
          readyReplicas: done.readyReplicas,
          durationMs: Date.now() - Date.parse(restart.restartedAt),
          pods: pods.filter((p) => !p.terminating).map((p) => p.name),
        } satisfies z.infer<typeof rolloutOutput>;
      },
    },
  ],
  report(target, _params, outputs) {
    const restart = restartOutput.parse(outputs.restart);
    const rollout = rolloutOutput.parse(outputs.rollout);
    const took = formatSeconds(rollout.durationMs / 1000);
    const deployment = target.env.kubernetes?.deployment ?? 'deployment';
    return {
      status: 'ok',
      headline: `Restarted ${deployment} in ${target.service.displayName} (${target.environment}): ${rollout.readyReplicas}/${rollout.replicas} replicas replaced and ready in ${took}`,
      items: [
        {
          id: 'restart',
          title: 'Rollout restart',
          status: 'succeeded',
          value: restart.restartedAt,
          summary: `restartedAt set (was ${restart.previous ?? 'unset'})`,
        },
        {
          id: 'rollout',
          title: 'Rollout',
          status: 'succeeded',
          value: `${rollout.readyReplicas}/${rollout.replicas} ready`,
          summary: `complete in ${took}`,
        },
      ],
      details: [{ title: `Pods now (${rollout.pods.length})`, lines: rollout.pods }],
    };
  },
};
