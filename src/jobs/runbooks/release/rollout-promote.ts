import { z } from 'zod';
import { fullyPromoted, type JsonValue, whereItStands } from '../../../infra/kube-argo-rollout-state.js';
import { formatSeconds } from '../../health/checks/format.js';
import type { Runbook } from '../../runbook.js';
import { stepProgress } from '../../step-progress.js';
import { runReportSchema } from '../catalog-ops-report.js';
import { leftovers } from '../k8s/k8s-context.js';
import {
  type NoParams,
  noParams,
  readRolloutOrRefuse,
  reportNow,
  requireRollouts,
  waitForRollout,
} from './rollout-context.js';

const steps = [
  { name: 'promote', title: 'Promote (as kubectl argo rollouts promote)' },
  { name: 'wait', title: 'Wait for the next step' },
] as const;

const promoteOutput = z.object({
  name: z.string(),
  /** The step index before the promote (the number of steps when none). */
  fromIndex: z.number(),
  from: z.string(),
  statusPatch: z.record(z.string(), z.unknown()).nullable(),
  specPatch: z.record(z.string(), z.unknown()).nullable(),
});

/**
 * THERMALIQ "Production Update": `kubectl argo rollouts promote` through the API. Like the plugin it clears
 * status.pauseConditions (or, when nothing is paused, moves status.currentStepIndex one step on) with a merge patch
 * of the status subresource, and sets spec.paused false when it was set; then it waits until the controller
 * reached the next step or the rollout is fully promoted and Healthy.
 */
export const rolloutPromoteRunbook: Runbook<NoParams> = {
  name: 'rollout promote',
  summary: 'Promote the Argo Rollouts canary to its next step (as kubectl argo rollouts promote) and wait for it',
  usage: 'rollout promote [--env NAME]',
  examples: ['rollout promote', 'rollout promote --env staging'],
  risk: 'change',
  minRole: 'operator',
  params: noParams,
  parseArgs: leftovers,
  initialProgress() {
    return stepProgress(steps);
  },
  async validate(ctx) {
    await readRolloutOrRefuse(ctx);
  },
  steps: [
    {
      name: 'promote',
      title: steps[0].title,
      timeoutMs: 30_000,
      // A second promote would skip a further step: never repeated without a person.
      destructive: true,
      async run(ctx) {
        ctx.progress(stepProgress(steps, 'promote'));
        const r = await readRolloutOrRefuse(ctx);
        if (r.abort) {
          throw new Error(
            `Rollout ${r.name} was aborted (${r.message ?? 'Degraded'}); promote does not resume it: fix the cause, then update or undo it.`,
          );
        }
        if (fullyPromoted(r) && !r.specPaused) {
          throw new Error(
            `Nothing to promote: rollout ${r.name} runs only its stable revision ${r.revision ?? '?'} (${r.phase ?? 'no phase'}).`,
          );
        }
        const adapter = requireRollouts(ctx);
        const fromIndex = r.currentStepIndex ?? r.steps.length;
        let statusPatch: Record<string, JsonValue> | null = null;
        if (r.pauseConditions.length > 0) {
          statusPatch = { pauseConditions: null };
        } else if (r.strategy === 'canary' && r.steps.length > 0) {
          // Mid-step (an analysis running, a weight being set): move the index on, as the plugin does.
          statusPatch = { pauseConditions: null, currentStepIndex: Math.min(fromIndex + 1, r.steps.length) };
        }
        const specPatch: Record<string, JsonValue> | null = r.specPaused ? { paused: false } : null;
        if (statusPatch) await adapter.patchStatus(r.name, statusPatch, { signal: ctx.signal });
        if (specPatch) await adapter.patchSpec(r.name, specPatch, { signal: ctx.signal });
        return {
          name: r.name,
          fromIndex,
          from: whereItStands(r),
          statusPatch,
          specPatch,
        } satisfies z.infer<typeof promoteOutput>;
      },
    },
    {
      name: 'wait',
      title: steps[1].title,
      timeoutMs: 60 * 60_000,
      idempotent: true,
      async run(ctx) {
        const before = promoteOutput.parse(ctx.outputs.promote);
        const done = await waitForRollout(
          ctx,
          `The step after ${before.fromIndex + 1}`,
          (r) => {
            if (r.abort)
              return { failed: `Rollout ${r.name} was aborted while promoting: ${r.message ?? 'Degraded'}.` };
            if (fullyPromoted(r) && r.phase === 'Healthy') {
              return { done: `fully promoted: revision ${r.revision ?? '?'} is stable and Healthy` };
            }
            const index = r.currentStepIndex ?? r.steps.length;
            if (index > before.fromIndex && !r.specPaused) return { done: `now at ${whereItStands(r)}` };
            return undefined;
          },
          (line) => ctx.progress(stepProgress(steps, 'wait', line)),
        );
        const patches = [
          before.statusPatch ? `status ${JSON.stringify(before.statusPatch)}` : undefined,
          before.specPatch ? `spec ${JSON.stringify(before.specPatch)}` : undefined,
        ].filter((p) => p !== undefined);
        return reportNow(
          ctx,
          done.state,
          `Promoted rollout ${before.name} in ${ctx.target.service.displayName} (${ctx.target.environment}): ${done.line}`,
          [
            {
              id: 'promote',
              title: 'Promote',
              status: 'succeeded',
              value: `${formatSeconds(done.waitedMs / 1000)}`,
              summary: `merge patch ${patches.join(' and ')}; was at ${before.from}`,
            },
          ],
        );
      },
    },
  ],
  async interrupted(ctx) {
    const r = await readRolloutOrRefuse(ctx);
    return `Rollout ${r.name} is at revision ${r.revision ?? '?'}: ${whereItStands(r)}.`;
  },
  report(_target, _params, outputs) {
    return runReportSchema.parse(outputs.wait);
  },
};
