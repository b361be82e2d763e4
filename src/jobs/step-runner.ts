import { messageOf, UserError } from '../errors.js';
import { failureLog } from '../failure-log.js';
import { scrubSecrets } from '../log.js';
import type { Run } from '../store/runs.js';
import { deliverRunOutcome } from './approval-delivery.js';
import { parsePlan } from './approval-view.js';
import { withDeadline } from './deadline.js';
import { type Plan, planChanges, planHash } from './plan.js';
import { computePlan, requestApproval } from './plan-phase.js';
import { NeedsAttention, type ProgressItem, type RunReport } from './report.js';
import type { ExecutorDeps } from './run-executor.js';
import { failRun, type PreparedRun, prepareRun, riskOf } from './run-prep.js';
import type { Runbook, StepContext } from './runbook.js';
import { skipOf } from './step-skipped.js';
import { stoppedByShutdown } from './worker-stopping.js';

type Deps = ExecutorDeps & { runbooks: ReadonlyMap<string, Runbook<unknown>> };

/** Seconds since a run started, for the duration histogram. */
function secondsSince(start: Date | null): number | undefined {
  return start ? (Date.now() - start.getTime()) / 1000 : undefined;
}

/** A scheduled report that comes after its tick (every instance was down) says so, once. */
function markLate(run: Run, report: RunReport): RunReport {
  if (!run.late || !run.scheduled_for) return report;
  return { ...report, headline: `Late: scheduled for ${run.scheduled_for.toISOString()}. ${report.headline}` };
}

/** Marks a run cancelled once and says so in its message. */
async function finishCancelled(deps: Deps, p: PreparedRun): Promise<void> {
  const current = await deps.store.runs.get(p.run.id);
  const by = current?.cancel_requested_by ?? p.run.requested_by;
  if (await deps.store.runs.finish(p.run.id, { status: 'cancelled', error: `cancelled by ${by}` })) {
    deps.metrics?.runFinished(p.runbook.name, 'cancelled', secondsSince(p.run.started_at));
    await deps.reporter.runCancelled(p.ref, by);
    await deliverRunOutcome(deps, p.run.id);
    await deps.store.runs.markReported(p.run.id);
  }
}

/**
 * For a destructive run: the approved plan, after checking that a fresh plan still matches it. When it no longer
 * matches, the run asks for approval again (showing what changed) and this returns undefined.
 */
async function approvedPlan(
  deps: Deps,
  p: PreparedRun,
  resuming: boolean,
  signal: AbortSignal,
): Promise<Plan | undefined> {
  const approval = await deps.store.approvals.latestForRun(p.run.id);
  if (approval?.status !== 'approved') {
    throw new UserError('forbidden', `${p.runbook.name} is destructive and has no approval; refusing to run it.`);
  }
  const approved = parsePlan(approval.plan);
  // A re-delivery after a crash resumes the approved run: its own steps changed the facts (e.g. replicas now 0).
  if (resuming) return approved;
  const fresh = await computePlan(deps, p, signal);
  if (planHash(fresh) === approval.plan_hash) return approved;
  deps.log.warn({ runId: p.run.id }, 'plan changed since approval; asking again');
  await requestApproval(deps, p, fresh, {
    from: ['running'],
    previous: approval,
    changes: planChanges(approved, fresh),
  });
  return undefined;
}

/** The execute phase: runs the steps with checkpoints, honouring cancel between steps. */
export function createStepRunner(deps: Deps) {
  const { store, reporter } = deps;

  return async function runSteps(queued: Run, _seq: number, signal: AbortSignal): Promise<void> {
    const run = await store.runs.markStarted(queued.id);
    if (!run) return;
    const p = await prepareRun(deps, run);
    if (!p) return;
    const log = deps.log.child({ runId: run.id, requestId: run.request_id ?? undefined });
    if (run.cancel_requested_at) return finishCancelled(deps, p);

    const checkpoints = new Map((await store.steps.list(run.id)).map((c) => [c.name, c]));
    const destructive = riskOf(p) === 'destructive';
    let plan: Plan | undefined;
    if (destructive) {
      try {
        plan = await approvedPlan(deps, p, checkpoints.size > 0, signal);
      } catch (err) {
        if (stoppedByShutdown(signal)) throw err;
        await failRun(deps, p.ref, err, 'plan');
        return;
      }
      if (!plan) return;
    }

    let items: ProgressItem[] = p.runbook.initialProgress(p.target, p.params);
    // Scheduled digests post only their report; a live message would be noise at 09:00 every day.
    const live = run.delivery === 'live';
    if (live && !p.ref.messageTs) {
      p.ref.messageTs = await reporter.runStarted(p.ref, items);
      await store.runs.setMessageTs(run.id, p.ref.messageTs);
    }

    const infra = deps.createInfra(p.target);
    const outputs: Record<string, unknown> = {};
    /** What a step (or the interrupted-step description) sees. */
    const stepContext = (timeoutMs: number, outer: AbortSignal): StepContext<unknown> => ({
      runId: run.id,
      target: p.target,
      infra,
      signal: AbortSignal.any([outer, AbortSignal.timeout(timeoutMs)]),
      checkTimeoutMs: deps.config.health.checkTimeoutMs,
      params: p.params,
      outputs,
      plan,
      progress(next) {
        items = next;
        if (live) reporter.runProgress(p.ref, items);
      },
    });
    let currentStep: string | undefined;
    try {
      for (const [ordinal, step] of p.runbook.steps.entries()) {
        currentStep = step.name;
        const checkpoint = checkpoints.get(step.name);
        if (checkpoint?.status === 'succeeded' || checkpoint?.status === 'skipped') {
          outputs[step.name] = checkpoint.output;
          log.info({ step: step.name }, 'step already done; skipped on re-delivery');
          continue;
        }
        // Cancel is honoured between steps (the store's flag is the truth; the broadcast only interrupts sooner).
        if ((await store.runs.get(run.id))?.cancel_requested_at) return await finishCancelled(deps, p);
        if (checkpoint?.status === 'running' && step.destructive && !step.idempotent) {
          let message = `Step "${step.title}" started at ${checkpoint.startedAt.toISOString()} but did not finish. It is not repeated automatically.`;
          if (p.runbook.interrupted) {
            const described = await p.runbook
              .interrupted(stepContext(step.timeoutMs, signal), step)
              .catch((err: unknown) => `Where things stand could not be read: ${scrubSecrets(messageOf(err))}.`);
            message = `${message}\n${described}`;
          }
          await store.runs.setStatus(run.id, 'needs_attention', message);
          await reporter.runNeedsAttention(p.ref, message, p.runbook.recovery);
          log.warn({ step: step.name }, 'interrupted destructive step needs a person');
          return;
        }
        if (checkpoint) await store.steps.restart(run.id, step.name);
        else if (!(await store.steps.start(run.id, ordinal, step.name))) {
          throw new Error(`step ${step.name} was started concurrently by another delivery`);
        }
        log.info({ step: step.name }, 'step started');
        // A destructive runbook's steps are never interrupted by a cancel, only by their own timeout.
        const outer = destructive ? undefined : signal;
        const stepStarted = performance.now();
        const output = await withDeadline(step.name, step.timeoutMs, outer, (stepSignal) =>
          step.run({ ...stepContext(step.timeoutMs, signal), signal: stepSignal }),
        );
        outputs[step.name] = output;
        // A skip is an outcome of its own, with its reason: the report and `run <id>` both show it as skipped.
        const skip = skipOf(output);
        await store.steps.finish(
          run.id,
          step.name,
          skip ? { status: 'skipped', output, reason: skip.reason } : { status: 'succeeded', output },
        );
        const outcome = skip ? 'skipped' : 'succeeded';
        deps.metrics?.stepFinished(p.runbook.name, step.name, outcome, (performance.now() - stepStarted) / 1000);
        log.info({ step: step.name, outcome }, 'step finished');
      }
      currentStep = undefined;
      const report = markLate(run, p.runbook.report(p.target, p.params, outputs));
      const silent = run.delivery === 'quiet' && (report.status === 'ok' || report.status === 'skipped');
      if (await store.runs.finish(run.id, { status: 'succeeded', report })) {
        deps.metrics?.runFinished(p.runbook.name, 'succeeded', secondsSince(run.started_at));
        if (!silent) await reporter.runFinished(p.ref, report);
        await deliverRunOutcome(deps, run.id);
        await store.runs.markReported(run.id);
      }
    } catch (err) {
      if (stoppedByShutdown(signal)) {
        // The step stays `running`: the worker that takes the job over repeats it or, if it cannot be repeated,
        // asks a person, exactly as after a crash.
        log.warn({ step: currentStep }, 'step stopped by the shutdown; the run goes to another worker');
        throw err;
      }
      if (currentStep) {
        deps.metrics?.stepFinished(p.runbook.name, currentStep, 'failed', 0);
        await store.steps
          .finish(run.id, currentStep, { status: 'failed', error: scrubSecrets(messageOf(err)) })
          .catch((e: unknown) => {
            const logged = failureLog(e);
            log[logged.level](logged.fields, 'could not record the failed step');
          });
      }
      if (err instanceof NeedsAttention) {
        // The run could not put things right itself: a person decides, with the state and the ways back.
        await store.runs.setStatus(run.id, 'needs_attention', err.message);
        await reporter.runNeedsAttention(p.ref, err.message, err.recovery);
        log.warn({ step: currentStep }, 'a failed step needs a person');
      } else if (signal.aborted && (await store.runs.get(run.id))?.cancel_requested_at) await finishCancelled(deps, p);
      else await failRun(deps, p.ref, err, currentStep);
    } finally {
      await infra.close().catch((err: unknown) => log.warn({ err }, 'closing adapters failed'));
    }
  };
}
