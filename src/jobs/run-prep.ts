import { resolveTarget } from '../config/targets.js';
import { messageOf, newErrorId, UserError } from '../errors.js';
import { failureLog } from '../failure-log.js';
import { scrubSecrets } from '../log.js';
import type { Run } from '../store/runs.js';
import { deliverRunOutcome } from './approval-delivery.js';
import { StepTimeout } from './deadline.js';
import type { RunRef } from './report.js';
import type { ExecutorDeps } from './run-executor.js';
import { runRefOf } from './run-ref.js';
import type { Runbook, RunTarget } from './runbook.js';

/** A run with what it needs resolved. */
export interface PreparedRun {
  run: Run;
  ref: RunRef;
  runbook: Runbook<unknown>;
  target: RunTarget;
  params: unknown;
}

/** Records a failure once and tells the channel, with an error id; unexpected errors show no internals. */
export async function failRun(deps: ExecutorDeps, ref: RunRef, err: unknown, step?: string): Promise<void> {
  const errorId = newErrorId();
  const safe = err instanceof UserError || err instanceof StepTimeout;
  const message = safe ? messageOf(err) : `${step ? `Step "${step}" failed` : 'The run failed'} unexpectedly.`;
  // Our own faults at error with the stack; a refusal or an outside system's answer at info or warn, in one line.
  const logged = failureLog(err);
  deps.log[logged.level]({ ...logged.fields, errorId, step, runId: ref.runId }, 'run failed');
  if (await deps.store.runs.finish(ref.runId, { status: 'failed', error: scrubSecrets(messageOf(err)), errorId })) {
    deps.metrics?.runFinished(ref.runbook, 'failed');
    await deps.reporter.runFailed(ref, { message, errorId, step });
    await deliverRunOutcome(deps, ref.runId);
    await deps.store.runs.markReported(ref.runId);
  }
}

/** Resolves the runbook, target and params of a run; on failure it fails the run and returns undefined. */
export async function prepareRun(
  deps: ExecutorDeps & { runbooks: ReadonlyMap<string, Runbook<unknown>> },
  run: Run,
): Promise<PreparedRun | undefined> {
  const ref = runRefOf(run, deps.config);
  const runbook = deps.runbooks.get(run.runbook);
  if (!runbook || !deps.config.services[run.service]) {
    await failRun(
      deps,
      ref,
      new UserError('not_found', `Runbook "${run.runbook}" or service "${run.service}" is no longer configured.`),
    );
    return undefined;
  }
  try {
    const target = resolveTarget(deps.config, run.service, run.environment);
    const params = runbook.params.parse(run.params);
    return { run, ref, runbook, target, params };
  } catch (err) {
    await failRun(deps, ref, err);
    return undefined;
  }
}

/** The effective risk of a prepared run. */
export function riskOf(p: Pick<PreparedRun, 'runbook' | 'target' | 'params'>): Runbook['risk'] {
  return p.runbook.riskFor ? p.runbook.riskFor(p.target, p.params) : p.runbook.risk;
}
