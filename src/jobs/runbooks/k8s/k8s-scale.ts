import { z } from 'zod';
import { UserError } from '../../../errors.js';
import { countOf } from '../../../format/words.js';
import { waitForPodsGone } from '../../../infra/kube-rollout.js';
import { waitForRollout } from '../../../infra/kube-rollout-status.js';
import { formatSeconds } from '../../health/checks/format.js';
import type { Runbook } from '../../runbook.js';
import { stepProgress } from '../../step-progress.js';
import { requireKube } from '../backup/backup-context.js';
import { leftovers, requireWorkloads } from './k8s-context.js';
import {
  autoscalerNote,
  autoscalerOf,
  changePercent,
  planScale,
  refuseUnconfirmedLarge,
  type ScaleParams,
  scaleMaterial,
  scaleParams,
} from './k8s-scale-plan.js';

const steps = [
  { name: 'scale', title: 'Set replicas' },
  { name: 'wait', title: 'Wait for ready' },
] as const;

const pollIntervalMs = 250;

const scaleOutput = z.object({ from: z.number(), to: z.number(), autoscaler: z.string().nullable() });
const waitOutput = z.object({ readyReplicas: z.number(), durationMs: z.number(), pods: z.array(z.string()) });

/**
 * `kubectl scale`. A change run scales by at most 50 %; going to 0, or further with --confirm-large, is
 * destructive and needs approval. riskFor cannot read the cluster, so `validate` refuses an unconfirmed large
 * change before anything is queued, and the step checks again against the replicas it finds.
 */
export const scaleRunbook: Runbook<ScaleParams> = {
  name: 'scale',
  summary: 'Set the deployment’s replicas (0–100) and wait until ready; to 0 or by more than 50 % needs approval',
  usage: 'scale <replicas> [--confirm-large] [--env NAME] [--dry-run]',
  examples: ['scale 3', 'scale 8 --confirm-large', 'scale 0 --env staging'],
  risk: 'change',
  minRole: 'operator',
  params: scaleParams,
  parseArgs(args, flags) {
    const [word, ...rest] = args;
    const { 'confirm-large': confirmLarge, ...others } = flags;
    // Digits (with a sign, so -1 gets the range message) become a number; anything else stays text for the message.
    const replicas = word !== undefined && /^-?\d{1,12}$/.test(word) ? Number(word) : word;
    return { replicas, confirmLarge, ...leftovers(rest, others) };
  },
  riskFor(_target, p) {
    return p.replicas === 0 || p.confirmLarge ? 'destructive' : 'change';
  },
  initialProgress() {
    return stepProgress(steps);
  },
  async validate(ctx, p) {
    const kube = requireKube(ctx);
    const d = await kube.readDeployment({ signal: ctx.signal });
    if (d.replicas === p.replicas) {
      throw new UserError(
        'invalid_arguments',
        `${kube.deployment} already has ${countOf(p.replicas, 'replica')}; nothing to change.`,
      );
    }
    refuseUnconfirmedLarge(ctx.target, d.replicas, p, kube.deployment);
  },
  plan: planScale,
  steps: [
    {
      name: 'scale',
      title: 'Set replicas',
      timeoutMs: 30_000,
      destructive: true,
      // Setting the same replica count twice is harmless.
      idempotent: true,
      async run(ctx) {
        ctx.progress(stepProgress(steps, 'scale'));
        const kube = requireKube(ctx);
        const now = await kube.readDeployment({ signal: ctx.signal });
        // An approved run acts on its plan; an unapproved one re-checks, since replicas may have moved since validate.
        const from = ctx.plan ? scaleMaterial.parse(ctx.plan.material).from : now.replicas;
        if (!ctx.plan) refuseUnconfirmedLarge(ctx.target, now.replicas, ctx.params, kube.deployment);
        await kube.scaleDeployment(ctx.params.replicas, { signal: ctx.signal });
        const hpa = await autoscalerOf(ctx, kube.deployment);
        return {
          from,
          to: ctx.params.replicas,
          autoscaler: autoscalerNote(hpa, ctx.params.replicas) ?? null,
        } satisfies z.infer<typeof scaleOutput>;
      },
    },
    {
      name: 'wait',
      title: 'Wait for ready',
      timeoutMs: 10 * 60_000,
      idempotent: true,
      async run(ctx) {
        const started = Date.now();
        const kube = requireKube(ctx);
        const workloads = requireWorkloads(ctx);
        const onWaiting = (status: string) => ctx.progress(stepProgress(steps, 'wait', status));
        const wait = { signal: ctx.signal, intervalMs: pollIntervalMs, onWaiting };
        const done = await waitForRollout((signal) => workloads.readRollout({ signal }), wait);
        // Scaled to zero, the service is down only once its last pod has stopped serving.
        if (ctx.params.replicas === 0) await waitForPodsGone(kube, wait);
        const pods = await kube.listPods({ signal: ctx.signal });
        return {
          readyReplicas: done.readyReplicas,
          durationMs: Date.now() - started,
          pods: pods.filter((p) => !p.terminating).map((p) => p.name),
        } satisfies z.infer<typeof waitOutput>;
      },
    },
  ],
  report(target, _params, outputs) {
    const scale = scaleOutput.parse(outputs.scale);
    const wait = waitOutput.parse(outputs.wait);
    const deployment = target.env.kubernetes?.deployment ?? 'deployment';
    const took = formatSeconds(wait.durationMs / 1000);
    return {
      status: scale.autoscaler ? 'warn' : 'ok',
      headline: `Scaled ${deployment} in ${target.service.displayName} (${target.environment}) from ${scale.from} to ${countOf(scale.to, 'replica')}: ${wait.readyReplicas}/${scale.to} ready in ${took}`,
      items: [
        {
          id: 'scale',
          title: 'Replicas',
          status: 'succeeded',
          value: `${scale.from} → ${scale.to}`,
          summary: changePercent(scale.from, scale.to),
        },
        { id: 'wait', title: 'Ready', status: 'succeeded', value: `${wait.readyReplicas}/${scale.to}`, summary: took },
        ...(scale.autoscaler
          ? [{ id: 'hpa', title: 'Autoscaler', status: 'warn' as const, summary: scale.autoscaler }]
          : []),
      ],
      details: wait.pods.length > 0 ? [{ title: `Pods now (${wait.pods.length})`, lines: wait.pods }] : [],
    };
  },
};
