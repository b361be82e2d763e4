import type { OpsConfig } from '../config/ops-config.js';
import { failureLog } from '../failure-log.js';
import type { Logger } from '../log.js';
import type { Run } from '../store/runs.js';
import type { Store } from '../store/store.js';
import { deliverRunOutcome, redeliverDecisions } from './approval-delivery.js';
import type { Reporter } from './report.js';
import { runRefOf } from './run-ref.js';
import { parseStoredReport } from './stored-report.js';

/** What delivering final messages needs. */
export interface DeliveryDeps {
  config: OpsConfig;
  store: Store;
  reporter: Reporter;
  log: Logger;
}

/**
 * Posts a final run's message from what the store holds (the report, the error id, who cancelled), then records
 * that Slack took it. Used when the first delivery never got confirmed (the worker died in between).
 */
export async function deliverFinal(deps: DeliveryDeps, run: Run): Promise<void> {
  const ref = runRefOf(run, deps.config);
  if (run.status === 'succeeded') {
    const report = parseStoredReport(run.report);
    const silent = run.delivery === 'quiet' && (report?.status === 'ok' || report?.status === 'skipped');
    if (report && !silent) await deps.reporter.runFinished(ref, report);
  } else if (run.status === 'failed') {
    await deps.reporter.runFailed(ref, {
      message: `The run failed${run.error ? `: ${run.error}` : ''}. Details: \`run ${run.id}\`.`,
      // Every failure carries an id to find it by; a run closed without one is found by its run id.
      errorId: run.error_id ?? run.id,
    });
  } else if (run.status === 'cancelled' && ref.messageTs) {
    await deps.reporter.runCancelled(ref, run.cancel_requested_by ?? run.requested_by);
  }
  await deliverRunOutcome(deps, run.id);
  await deps.store.runs.markReported(run.id);
}

/**
 * Every `intervalMs`, re-delivers the final messages of runs, and the decisions of approval requests, that ended more
 * than `graceMs` ago without a confirmed delivery, each claimed by exactly one instance, until Slack takes it or 10
 * attempts were made.
 */
export function startReportRedelivery(
  deps: DeliveryDeps,
  opts: { intervalMs: number; graceMs: number },
): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve();
  const claim = { graceMs: opts.graceMs, claimMs: Math.max(opts.graceMs, 30_000), maxAttempts: 10, limit: 20 };
  const sweep = async () => {
    const due = await deps.store.runs.claimUnreported(claim);
    for (const run of due) {
      deps.log.warn(
        { runId: run.id, attempt: run.report_attempts },
        're-delivering a final message that was never confirmed',
      );
      await deliverFinal(deps, run).catch((err: unknown) => {
        const logged = failureLog(err);
        deps.log[logged.level]({ ...logged.fields, runId: run.id }, 'final message re-delivery failed');
      });
    }
    await redeliverDecisions(deps, claim);
  };
  const timer = setInterval(() => {
    running = running.then(sweep).catch((err: unknown) => deps.log.warn({ err }, 'report re-delivery sweep failed'));
  }, opts.intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
