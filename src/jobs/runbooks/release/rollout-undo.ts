import { z } from 'zod';
import { UserError } from '../../../errors.js';
import {
  fullyPromoted,
  type RolloutRevision,
  type RolloutState,
  whereItStands,
} from '../../../infra/kube-argo-rollout-state.js';
import { formatSeconds } from '../../health/checks/format.js';
import type { Plan } from '../../plan.js';
import type { Runbook, RunbookContext } from '../../runbook.js';
import { stepProgress } from '../../step-progress.js';
import { runReportSchema } from '../catalog-ops-report.js';
import { isProduction, leftovers } from '../k8s/k8s-context.js';
import {
  type NoParams,
  noParams,
  readRolloutOrRefuse,
  reportNow,
  requireRollouts,
  templateForRollout,
  templateKey,
  waitForRollout,
} from './rollout-context.js';

const steps = [
  { name: 'undo', title: 'Restore the previous revision’s pod template' },
  { name: 'wait', title: 'Wait for the controller' },
] as const;

/** What an approval of `rollout undo` is bound to: from which revision to which, and the target's template hash. */
const undoMaterial = z.object({
  namespace: z.string(),
  rollout: z.string(),
  fromRevision: z.number().nullable(),
  toRevision: z.number().nullable(),
  toReplicaSet: z.string(),
  toImages: z.array(z.string()),
});

const undoOutput = z.object({
  name: z.string(),
  fromRevision: z.number().nullable(),
  toRevision: z.number().nullable(),
  toHash: z.string().nullable(),
  toImages: z.array(z.string()),
  generation: z.number(),
  /** True when the Rollout's template already was that revision's: nothing written, as the plugin skips it. */
  skipped: z.boolean(),
});

/** The revision before the newest, as `kubectl argo rollouts undo` (no --to-revision) picks it. */
function previousRevision(r: RolloutState, revisions: RolloutRevision[]): RolloutRevision {
  const numbered = revisions.filter((rs) => rs.revision !== undefined);
  const previous = numbered[1];
  if (!previous) {
    throw new UserError(
      'not_found',
      `Rollout ${r.name} has no previous revision to go back to (revisions: ${numbered.map((rs) => rs.revision).join(', ') || 'none'}).`,
    );
  }
  return previous;
}

async function target(ctx: RunbookContext): Promise<{ r: RolloutState; to: RolloutRevision }> {
  const r = await readRolloutOrRefuse(ctx);
  const revisions = await requireRollouts(ctx).listRevisions(r, { signal: ctx.signal });
  return { r, to: previousRevision(r, revisions) };
}

async function planUndo(ctx: RunbookContext): Promise<Plan> {
  const { r, to } = await target(ctx);
  const material: z.infer<typeof undoMaterial> = {
    namespace: requireRollouts(ctx).namespace,
    rollout: r.name,
    fromRevision: r.revision ?? null,
    toRevision: to.revision ?? null,
    toReplicaSet: to.name,
    toImages: to.images,
  };
  return {
    summary: `Roll back rollout ${r.name} from revision ${r.revision ?? '?'} to revision ${to.revision ?? '?'} (${to.images.join(', ')})`,
    fields: [
      { label: 'Rollout', value: `${material.namespace}/${r.name}` },
      { label: 'Now', value: `revision ${r.revision ?? '?'}: ${r.images.join(', ')} · ${whereItStands(r)}` },
      { label: 'Back to', value: `revision ${to.revision ?? '?'}: ${to.images.join(', ')} (ReplicaSet ${to.name})` },
    ],
    steps: [
      `JSON-patch /spec/template of ${r.name} with ReplicaSet ${to.name}'s pod template (without its ${'rollouts-pod-template-hash'} label), as kubectl argo rollouts undo does`,
      'Wait until the controller runs that template: Healthy when it is the stable revision, else at its first canary step',
    ],
    material,
  };
}

/**
 * THERMALIQ "Production Update" → rollback: `kubectl argo rollouts undo` through the API. It copies the previous
 * revision's pod template (from its ReplicaSet) into the Rollout's spec with a JSON patch, and waits until the
 * controller runs it. Destructive with approval in production; a change elsewhere.
 */
export const rolloutUndoRunbook: Runbook<NoParams> = {
  name: 'rollout undo',
  summary:
    'Roll the Argo Rollout back to its previous revision (as kubectl argo rollouts undo) and wait (approval in production)',
  usage: 'rollout undo [--env NAME] [--dry-run]',
  examples: ['rollout undo --env staging', 'rollout undo'],
  risk: 'change',
  minRole: 'operator',
  params: noParams,
  parseArgs: leftovers,
  riskFor(target) {
    return isProduction(target) ? 'destructive' : 'change';
  },
  initialProgress() {
    return stepProgress(steps);
  },
  async validate(ctx) {
    await readRolloutOrRefuse(ctx);
  },
  plan: planUndo,
  steps: [
    {
      name: 'undo',
      title: steps[0].title,
      timeoutMs: 30_000,
      destructive: true,
      async run(ctx) {
        ctx.progress(stepProgress(steps, 'undo'));
        const { r, to } = await target(ctx);
        const base = {
          name: r.name,
          fromRevision: r.revision ?? null,
          toRevision: to.revision ?? null,
          toHash: to.hash ?? null,
          toImages: to.images,
        };
        if (templateKey(r.template) === templateKey(to.template)) {
          return { ...base, generation: r.generation, skipped: true } satisfies z.infer<typeof undoOutput>;
        }
        const patched = await requireRollouts(ctx).replaceTemplate(r.name, templateForRollout(to.template), {
          signal: ctx.signal,
        });
        return { ...base, generation: patched.generation, skipped: false } satisfies z.infer<typeof undoOutput>;
      },
    },
    {
      name: 'wait',
      title: steps[1].title,
      timeoutMs: 60 * 60_000,
      idempotent: true,
      async run(ctx) {
        const undo = undoOutput.parse(ctx.outputs.undo);
        const done = await waitForRollout(
          ctx,
          `Revision ${undo.toRevision ?? '?'} running`,
          (r) => {
            if ((r.observedGeneration ?? 0) < undo.generation) return undefined;
            if (undo.toHash !== null && r.currentPodHash !== undo.toHash) return undefined;
            if (r.abort || r.phase === 'Degraded') {
              return { failed: `Rollout ${r.name} is Degraded after the undo: ${r.message ?? 'no message'}.` };
            }
            if (fullyPromoted(r) && r.phase === 'Healthy') {
              return { done: `revision ${r.revision ?? '?'} (${undo.toImages.join(', ')}) is stable and Healthy` };
            }
            if (r.phase === 'Paused') {
              return {
                done: `revision ${r.revision ?? '?'} (${undo.toImages.join(', ')}) runs as the canary, now at ${whereItStands(r)}; promote it to go on`,
              };
            }
            return undefined;
          },
          (line) => ctx.progress(stepProgress(steps, 'wait', line)),
        );
        return reportNow(
          ctx,
          done.state,
          `Rolled back rollout ${undo.name} in ${ctx.target.service.displayName} (${ctx.target.environment}) from revision ${undo.fromRevision ?? '?'}: ${done.line}`,
          [
            {
              id: 'undo',
              title: 'Undo',
              status: 'succeeded',
              value: formatSeconds(done.waitedMs / 1000),
              summary: undo.skipped
                ? `skipped: the template already matches revision ${undo.toRevision ?? '?'}`
                : `JSON patch replace /spec/template with revision ${undo.toRevision ?? '?'}'s template`,
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
