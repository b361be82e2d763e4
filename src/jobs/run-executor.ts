import type { OpsConfig } from '../config/ops-config.js';
import type { Infra } from '../infra/infra.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Run } from '../store/runs.js';
import type { Store } from '../store/store.js';
import { createPlanPhase } from './plan-phase.js';
import type { JobMeta, RunJobData } from './queue.js';
import { runbooks } from './registry.js';
import type { Reporter } from './report.js';
import type { Runbook, RunTarget } from './runbook.js';
import { runForTick } from './schedules.js';
import { createStepRunner } from './step-runner.js';

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
  /** A scheduler tick this much after its fire time is reported as late. */
  lateAfterMs?: number;
  /** Run and step counters and durations for /metrics. */
  metrics?: Pick<Metrics, 'runFinished' | 'stepFinished' | 'approvalDecided'>;
}

const finalStatuses = new Set(['succeeded', 'failed', 'cancelled', 'rejected', 'expired']);

/**
 * Runs one delivery of a run job. A destructive run's first delivery computes its plan and asks for approval; the
 * delivery after approval checks the plan still holds and runs the steps. Any delivery of a run that is final, or
 * waiting for a person, changes nothing, so a duplicate or stale job is harmless.
 */
export function createRunExecutor(deps: ExecutorDeps) {
  const known = deps.runbooks ?? runbooks;
  const full = { ...deps, runbooks: known };
  const planPhase = createPlanPhase(full);
  const runSteps = createStepRunner(full);

  return async function executeRun(data: RunJobData, signal: AbortSignal, meta?: JobMeta): Promise<void> {
    if (data.schedule) {
      // A scheduler tick: make (at most) one run for it, then run it in this same job.
      const runId = await runForTick(deps, data.schedule, meta ?? { scheduledFor: Date.now() });
      if (runId) await executeRun({ runId }, signal);
      return;
    }
    const run: Run | undefined = await deps.store.runs.get(data.runId);
    if (!run || finalStatuses.has(run.status)) {
      deps.log.info({ runId: data.runId, status: run?.status }, 'run is final or unknown; delivery ignored');
      return;
    }
    switch (run.status) {
      case 'planning':
        return planPhase.plan(run, signal);
      case 'awaiting_approval':
        return planPhase.repostPending(run);
      case 'queued':
      case 'running':
        return runSteps(run, data.seq ?? 0, signal);
      default:
        deps.log.info({ runId: run.id, status: run.status }, 'run waits for a person; delivery ignored');
    }
  };
}
