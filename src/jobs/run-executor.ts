import type { OpsConfig } from '../config/ops-config.js';
import { resolveTarget } from '../config/targets.js';
import { messageOf, newErrorId, UserError } from '../errors.js';
import type { Infra } from '../infra/infra.js';
import type { Logger } from '../log.js';
import { scrubSecrets } from '../log.js';
import type { Store } from '../store/store.js';
import type { RunJobData } from './queue.js';
import { runbooks } from './registry.js';
import type { ProgressItem, Reporter, RunRef } from './report.js';
import type { Runbook, RunTarget } from './runbook.js';

/** What the executor needs; main.ts supplies it. */
export interface ExecutorDeps {
  config: OpsConfig;
  store: Store;
  reporter: Reporter;
  log: Logger;
  /** Builds the adapters for a target; the executor closes them after the run. */
  createInfra(target: RunTarget): Infra;
  /** The runbooks by name; defaults to the registry. */
  runbooks?: ReadonlyMap<string, Runbook<unknown>>;
}

class StepTimeout extends Error {
  constructor(step: string, ms: number) {
    super(`step "${step}" timed out after ${ms} ms`);
  }
}

/** Races a step against its timeout and the run's signal. */
async function withDeadline<T>(
  step: string,
  ms: number,
  outer: AbortSignal,
  fn: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const timeout = AbortSignal.timeout(ms);
  const signal = AbortSignal.any([outer, timeout]);
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () =>
      reject(timeout.aborted ? new StepTimeout(step, ms) : new Error(`cancelled: ${String(outer.reason)}`));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([fn(signal), aborted]);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

/**
 * Runs one delivery of a run job: resolves the runbook and target, reports into the run's message, executes the
 * steps with checkpoints, and records and reports the outcome. Re-deliveries skip finished steps, and a destructive
 * step that started but never finished stops the run for a person instead of running again.
 */
export function createRunExecutor(deps: ExecutorDeps) {
  const { store, reporter, log } = deps;
  const known = deps.runbooks ?? runbooks;

  return async function executeRun(data: RunJobData, signal: AbortSignal): Promise<void> {
    const run = await store.runs.markStarted(data.runId);
    if (!run) {
      log.info({ runId: data.runId }, 'run already final; delivery ignored');
      return;
    }
    const runLog = log.child({ runId: run.id, requestId: run.request_id ?? undefined });
    const runbook = known.get(run.runbook);
    const service = deps.config.services[run.service];
    const ref: RunRef = {
      runId: run.id,
      runbook: run.runbook,
      service: run.service,
      serviceName: service?.displayName ?? run.service,
      environment: run.environment,
      requestedBy: run.requested_by,
      channelId: run.channel_id,
      messageTs: run.message_ts ?? undefined,
    };

    const fail = async (err: unknown, step?: string) => {
      const errorId = newErrorId();
      const safe = err instanceof UserError || err instanceof StepTimeout;
      const message = safe ? messageOf(err) : `${step ? `Step "${step}" failed` : 'The run failed'} unexpectedly.`;
      runLog.error({ err, errorId, step }, 'run failed');
      const stored = scrubSecrets(messageOf(err));
      if (await store.runs.finish(run.id, { status: 'failed', error: stored, errorId })) {
        await reporter.runFailed(ref, { message, errorId, step });
      }
    };

    if (!runbook || !service) {
      await fail(
        new UserError('not_found', `Runbook "${run.runbook}" or service "${run.service}" is no longer configured.`),
      );
      return;
    }

    let target: RunTarget;
    let params: unknown;
    try {
      target = resolveTarget(deps.config, run.service, run.environment);
      params = runbook.params.parse(run.params);
    } catch (err) {
      await fail(err);
      return;
    }

    let items: ProgressItem[] = runbook.initialProgress(target, params);
    if (!ref.messageTs) {
      ref.messageTs = await reporter.runStarted(ref, items);
      await store.runs.setMessageTs(run.id, ref.messageTs);
    }

    const infra = deps.createInfra(target);
    const outputs: Record<string, unknown> = {};
    let currentStep: string | undefined;
    try {
      const checkpoints = new Map((await store.steps.list(run.id)).map((c) => [c.name, c]));
      for (const [ordinal, step] of runbook.steps.entries()) {
        currentStep = step.name;
        if (signal.aborted) throw new UserError('conflict', 'The run was cancelled before this step.');
        const checkpoint = checkpoints.get(step.name);
        if (checkpoint?.status === 'succeeded' || checkpoint?.status === 'skipped') {
          outputs[step.name] = checkpoint.output;
          runLog.info({ step: step.name }, 'step already done; skipped on re-delivery');
          continue;
        }
        if (checkpoint && step.destructive && !step.idempotent) {
          const message = `Step "${step.title}" started at ${checkpoint.startedAt.toISOString()} but did not finish. It is not repeated automatically.`;
          await store.runs.setStatus(run.id, 'needs_attention', message);
          await reporter.runNeedsAttention(ref, message);
          runLog.warn({ step: step.name }, 'interrupted step needs a person');
          return;
        }
        if (checkpoint) await store.steps.restart(run.id, step.name);
        else if (!(await store.steps.start(run.id, ordinal, step.name))) {
          throw new Error(`step ${step.name} was started concurrently by another delivery`);
        }
        runLog.info({ step: step.name }, 'step started');
        const output = await withDeadline(step.name, step.timeoutMs, signal, (stepSignal) =>
          step.run({
            runId: run.id,
            target,
            infra,
            signal: stepSignal,
            checkTimeoutMs: deps.config.health.checkTimeoutMs,
            params,
            outputs,
            progress(next) {
              items = next;
              reporter.runProgress(ref, items);
            },
          }),
        );
        outputs[step.name] = output;
        await store.steps.finish(run.id, step.name, { status: 'succeeded', output });
        runLog.info({ step: step.name }, 'step finished');
      }
      currentStep = undefined;
      const report = runbook.report(target, params, outputs);
      if (await store.runs.finish(run.id, { status: 'succeeded', report })) {
        await reporter.runFinished(ref, report);
      }
    } catch (err) {
      if (currentStep) {
        await store.steps
          .finish(run.id, currentStep, { status: 'failed', error: scrubSecrets(messageOf(err)) })
          .catch((e: unknown) => runLog.error({ err: e }, 'could not record the failed step'));
      }
      await fail(err, currentStep);
    } finally {
      await infra.close().catch((err: unknown) => runLog.warn({ err }, 'closing adapters failed'));
    }
  };
}
