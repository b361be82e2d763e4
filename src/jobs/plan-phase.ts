import { UserError } from '../errors.js';
import { type Approval, newApprovalId } from '../store/approvals.js';
import { AuditLog } from '../store/audit.js';
import { type Run, type RunStatus, RunStore } from '../store/runs.js';
import { deliverDecision } from './approval-delivery.js';
import { approvalViewOf } from './approval-view.js';
import { withDeadline } from './deadline.js';
import { type Plan, planChanges, planHash } from './plan.js';
import type { ExecutorDeps } from './run-executor.js';
import { failRun, type PreparedRun, prepareRun } from './run-prep.js';
import type { Runbook } from './runbook.js';
import { stoppedByShutdown } from './worker-stopping.js';

/** How long computing a plan may take. */
const planTimeoutMs = 60_000;

type Deps = ExecutorDeps & { runbooks: ReadonlyMap<string, Runbook<unknown>> };

/** Computes a prepared run's plan with fresh adapters. */
export async function computePlan(deps: Deps, p: PreparedRun, signal: AbortSignal): Promise<Plan> {
  const planFn = p.runbook.plan;
  if (!planFn) throw new UserError('conflict', `${p.runbook.name} is destructive but has no plan; refusing to run it.`);
  const infra = deps.createInfra(p.target);
  try {
    return await withDeadline('plan', planTimeoutMs, signal, (s) =>
      planFn.call(
        p.runbook,
        { runId: p.run.id, target: p.target, infra, signal: s, checkTimeoutMs: deps.config.health.checkTimeoutMs },
        p.params,
      ),
    );
  } finally {
    await infra.close().catch(() => {});
  }
}

/**
 * Stores a new approval request for a plan, moves the run to awaiting_approval (from `from`), supersedes the
 * previous request if any, audits it, and posts the plan with its buttons.
 */
export async function requestApproval(
  deps: Deps,
  p: PreparedRun,
  plan: Plan,
  opts: { from: RunStatus[]; previous?: Approval; changes?: string[] },
): Promise<void> {
  const id = newApprovalId();
  const hash = planHash(plan);
  const moved = await deps.store.db.tx(async (q) => {
    if (!(await new RunStore(q).transition(p.run.id, opts.from, 'awaiting_approval'))) return undefined;
    if (opts.previous) await deps.store.approvals.supersede(q, opts.previous.id);
    await new RunStore(q).setPlan(p.run.id, plan, hash);
    const created = await deps.store.approvals.create(q, {
      id,
      runId: p.run.id,
      plan,
      planHash: hash,
      requester: p.run.requested_by,
      channelId: p.run.channel_id,
      quorum: p.target.env.approvals.quorum,
      expiresInMinutes: deps.config.approvals.expiryMinutes,
    });
    await new AuditLog(q).append({
      actor: p.run.requested_by,
      action: opts.previous ? 'approval_requested_again' : 'approval_requested',
      decision: 'info',
      channelId: p.run.channel_id,
      service: p.run.service,
      environment: p.run.environment,
      runId: p.run.id,
      detail: { approvalId: id, planHash: hash, quorum: created.quorum, changes: opts.changes ?? [] },
    });
    return created;
  });
  if (!moved) return;
  if (opts.previous) await deliverDecision(deps, { ...opts.previous, status: 'superseded' }, p.run);
  const ts = await deps.reporter.approvalRequested(approvalViewOf(moved, p.ref, { changes: opts.changes }));
  await deps.store.approvals.setMessageTs(id, ts);
}

/** The plan phase: a destructive run's first delivery computes the plan, then asks for approval or, dry, just shows it. */
export function createPlanPhase(deps: Deps) {
  return {
    async plan(run: Run, signal: AbortSignal): Promise<void> {
      const p = await prepareRun(deps, run);
      if (!p) return;
      let plan: Plan;
      try {
        plan = await computePlan(deps, p, signal);
      } catch (err) {
        if (stoppedByShutdown(signal)) throw err;
        await failRun(deps, p.ref, err, 'plan');
        return;
      }
      if (run.dry_run) {
        await deps.store.runs.setPlan(run.id, plan, planHash(plan));
        const report = { status: 'ok' as const, headline: `Dry run: ${plan.summary}`, items: [], details: [] };
        if (await deps.store.runs.finish(run.id, { status: 'succeeded', report })) {
          await deps.reporter.approvalRequested({
            approvalId: 'dry-run',
            run: p.ref,
            plan,
            status: 'dry_run',
            quorum: p.target.env.approvals.quorum,
            approvers: [],
            expiresAt: new Date(),
          });
        }
        return;
      }
      await requestApproval(deps, p, plan, { from: ['planning'] });
    },

    /** Re-posts a pending request whose message never went out (the worker died between storing and posting). */
    async repostPending(run: Run): Promise<void> {
      const latest = await deps.store.approvals.latestForRun(run.id);
      if (latest?.status !== 'pending' || latest.message_ts) return;
      const p = await prepareRun(deps, run);
      if (!p) return;
      const ts = await deps.reporter.approvalRequested(approvalViewOf(latest, p.ref));
      await deps.store.approvals.setMessageTs(latest.id, ts);
    },
  };
}

/** The lines that changed between an approved plan and a fresh one. */
export { planChanges };
