import { z } from 'zod';
import { canaryWeight, fullyPromoted, whereItStands } from '../../../infra/kube-argo-rollout-state.js';
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
  revisionsOf,
  waitForRollout,
} from './rollout-context.js';

const steps = [
  { name: 'abort', title: 'Abort (as kubectl argo rollouts abort)' },
  { name: 'wait', title: 'Wait for the stable at 100 %' },
] as const;

const abortOutput = z.object({
  name: z.string(),
  from: z.string(),
  /** False when the Rollout was already aborted: nothing was written. */
  patched: z.boolean(),
});

/**
 * THERMALIQ "Production Update": `kubectl argo rollouts abort` through the API: status.abort=true with a merge
 * patch of the status subresource, as the plugin sends it. The controller then sends the canary's weight to 0 and
 * the Rollout becomes Degraded; the wait ends when the stable revision has all the replicas again.
 */
export const rolloutAbortRunbook: Runbook<NoParams> = {
  name: 'rollout abort',
  summary: 'Abort the Argo Rollouts canary (as kubectl argo rollouts abort) and wait until the stable has 100 % again',
  usage: 'rollout abort [--env NAME]',
  examples: ['rollout abort', 'rollout abort --env staging'],
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
      name: 'abort',
      title: steps[0].title,
      timeoutMs: 30_000,
      // Setting abort twice is the same as once.
      idempotent: true,
      async run(ctx) {
        ctx.progress(stepProgress(steps, 'abort'));
        const r = await readRolloutOrRefuse(ctx);
        if (fullyPromoted(r)) {
          throw new Error(
            `Nothing to abort: rollout ${r.name} runs only its stable revision ${r.revision ?? '?'} (${r.phase ?? 'no phase'}); to go back a revision, use rollout undo.`,
          );
        }
        if (!r.abort) await requireRollouts(ctx).patchStatus(r.name, { abort: true }, { signal: ctx.signal });
        return { name: r.name, from: whereItStands(r), patched: !r.abort } satisfies z.infer<typeof abortOutput>;
      },
    },
    {
      name: 'wait',
      title: steps[1].title,
      timeoutMs: 60 * 60_000,
      idempotent: true,
      async run(ctx) {
        const before = abortOutput.parse(ctx.outputs.abort);
        const adapter = requireRollouts(ctx);
        const done = await waitForRollout(
          ctx,
          'Aborted with the stable at 100 %',
          async (r) => {
            if (!r.abort) return { failed: `Rollout ${r.name} is no longer aborted (${whereItStands(r)}).` };
            if (r.phase !== 'Degraded' || canaryWeight(r) !== 0) return undefined;
            const { stable, canary } = revisionsOf(r, await adapter.listRevisions(r, { signal: ctx.signal }));
            if (!stable || stable.availableReplicas < r.replicas || (canary?.availableReplicas ?? 0) > 0) {
              return undefined;
            }
            return {
              done: `aborted; the stable ${stable.images.join(', ')} (revision ${stable.revision ?? '?'}) is back at 100 % with ${stable.availableReplicas}/${r.replicas} available`,
            };
          },
          (line) => ctx.progress(stepProgress(steps, 'wait', line)),
        );
        return reportNow(
          ctx,
          done.state,
          `Aborted rollout ${before.name} in ${ctx.target.service.displayName} (${ctx.target.environment}): ${done.line}`,
          [
            {
              id: 'abort',
              title: 'Abort',
              status: 'succeeded',
              value: formatSeconds(done.waitedMs / 1000),
              summary: before.patched
                ? `merge patch status {"abort":true}; was at ${before.from}`
                : `it was already aborted; was at ${before.from}`,
            },
          ],
        );
      },
    },
  ],
  report(_target, _params, outputs) {
    return runReportSchema.parse(outputs.wait);
  },
};
