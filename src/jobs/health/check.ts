import type { Thresholds } from '../../config/thresholds.js';
import type { Infra } from '../../infra/infra.js';

/** How one health check ended. `skipped` means the target is not configured; `error` means it could not be measured. */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skipped' | 'error';

/** The outcome of one health check, with the measured value and the threshold it was held against. */
export interface CheckResult {
  /** Stable id, e.g. `pods`, `error-rate`. */
  id: string;
  /** Human title, e.g. `Pods`. */
  title: string;
  status: CheckStatus;
  /** What was measured, formatted for people, e.g. `1.8 %`. */
  value?: string;
  /** What it was held against, e.g. `> 1 %`. */
  threshold?: string;
  /** One line for the summary message. */
  summary: string;
  /** Longer detail (top error lines, per-pod rows) that goes into the thread reply. */
  details?: string[];
}

/** What a check may use: the environment's adapters (undefined when not configured), thresholds, and a deadline. */
export interface CheckContext {
  serviceKey: string;
  /** The service's slash command (e.g. `/thermaliq`), for hints that name a command to run. */
  command: string;
  environment: string;
  infra: Infra;
  thresholds: Thresholds;
  /** Aborted when the check's own timeout passes or the run is cancelled. */
  signal: AbortSignal;
}

/** One check of the daily health runbook. */
export interface HealthCheck {
  id: string;
  title: string;
  run(ctx: CheckContext): Promise<Omit<CheckResult, 'id' | 'title'>>;
}
