import { whereItStands } from '../../../infra/kube-argo-rollout-state.js';
import type { Runbook } from '../../runbook.js';
import { readRunbook } from '../catalog-ops-report.js';
import { leftovers } from '../k8s/k8s-context.js';
import {
  type NoParams,
  noParams,
  readRolloutOrRefuse,
  requireRollouts,
  stateDetails,
  stateItems,
} from './rollout-context.js';

/**
 * THERMALIQ "Production Update" (Argo Rollouts canary): `kubectl argo rollouts get rollout` for the service's
 * Rollout: the current step and what it is, canary weight, pause and its remaining time, stable and canary images
 * (from the ReplicaSets of status.stableRS and status.currentPodHash), phase, and the step's analysis.
 */
export const rolloutStatusRunbook: Runbook<NoParams> = readRunbook<NoParams>({
  name: 'rollout',
  summary: 'The Argo Rollouts canary: step, canary weight, pause and its time left, stable and canary images, analysis',
  usage: 'rollout [status] [--env NAME]',
  examples: ['rollout', 'rollout status --env staging'],
  params: noParams,
  parseArgs(args, flags) {
    const rest = args[0]?.toLowerCase() === 'status' ? args.slice(1) : args;
    return leftovers(rest, flags);
  },
  async validate(ctx) {
    await readRolloutOrRefuse(ctx);
  },
  title: 'Read the Rollout',
  timeoutMs: 30_000,
  async collect(ctx) {
    const r = await readRolloutOrRefuse(ctx);
    const revisions = await requireRollouts(ctx).listRevisions(r, { signal: ctx.signal });
    const items = stateItems(r, revisions);
    const status = r.phase === 'Healthy' ? 'ok' : r.phase === 'Degraded' || r.abort ? 'fail' : 'warn';
    return {
      status,
      headline: `Rollout ${r.name} in ${ctx.target.service.displayName} (${ctx.target.environment}): ${whereItStands(r)}`,
      items,
      details: stateDetails(r, revisions),
    };
  },
});
