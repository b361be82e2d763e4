import type { z } from 'zod';
import type { EnvironmentConfig, RoleName, ServiceConfig } from '../config/ops-config.js';
import type { Thresholds } from '../config/thresholds.js';
import type { Infra } from '../infra/infra.js';
import type { Plan } from './plan.js';
import type { ProgressItem, RecoveryAction, RunReport } from './report.js';

/** How much a runbook can hurt: read looks, change alters safely, destructive needs a second person's approval. */
export type Risk = 'read' | 'change' | 'destructive';

/** The service environment a run acts on. */
export interface RunTarget {
  serviceKey: string;
  service: ServiceConfig;
  environment: string;
  env: EnvironmentConfig;
  thresholds: Thresholds;
}

/** What every step and plan sees. */
export interface RunbookContext {
  runId: string;
  target: RunTarget;
  infra: Infra;
  /** Aborted on cancel, shutdown deadline or the step's timeout. */
  signal: AbortSignal;
  /** Per-check timeout for runbooks that fan out checks. */
  checkTimeoutMs: number;
}

/** What one step sees: params, the outputs of the steps before it, and a way to report progress. */
export interface StepContext<P> extends RunbookContext {
  params: P;
  outputs: Readonly<Record<string, unknown>>;
  /** Replaces the progress items shown in the run's message; the outbox coalesces updates. */
  progress(items: ProgressItem[]): void;
  /** The approved plan of a destructive run (steps act on its material, e.g. the original replicas). */
  plan?: Plan;
}

/** A named step with its own timeout. */
export interface RunbookStep<P> {
  name: string;
  title: string;
  timeoutMs: number;
  /** A destructive step that started but did not finish is never repeated automatically. */
  destructive?: boolean;
  /** Declares that running the step twice is harmless, so a re-delivery may repeat it. */
  idempotent?: boolean;
  /** Runs the step; the returned value is checkpointed and passed to later steps and the report. */
  run(ctx: StepContext<P>): Promise<unknown>;
}

/** A runbook: one procedure from the guides, declared once and run by the worker. */
export interface Runbook<P = unknown> {
  name: string;
  summary: string;
  usage: string;
  examples: string[];
  risk: Risk;
  /** The weakest role that may request it. */
  minRole: RoleName;
  /** Validates the parsed arguments (`args` positional words, `flags` named flags). */
  params: z.ZodType<P>;
  /** Turns command words into the object `params` validates. */
  parseArgs(args: string[], flags: Record<string, string | true>): unknown;
  /** The items the run message lists before anything finished. */
  initialProgress(target: RunTarget, params: P): ProgressItem[];
  /**
   * Checks the params against reality (the backup exists, the table exists) while the command is acked, so bad
   * input is refused before anything is enqueued. Throws a UserError. Keep it to one or two quick calls.
   */
  validate?(ctx: RunbookContext, params: P): Promise<void>;
  /**
   * A dry run saying exactly what will happen. Destructive runbooks must have one: it is shown for approval, and
   * computed again right before execution; if its material changed, the run asks for approval again.
   */
  plan?(ctx: RunbookContext, params: P): Promise<Plan>;
  /** The risk for this target and params when it depends on them (e.g. scale to 0 is destructive); else `risk`. */
  riskFor?(target: RunTarget, params: P): Risk;
  steps: RunbookStep<P>[];
  /**
   * For a destructive step that was interrupted (its worker died): where things stand now, read live, for the
   * person who decides. Without it the prompt only says the step did not finish.
   */
  interrupted?(ctx: StepContext<P>, step: RunbookStep<P>): Promise<string>;
  /** The recovery buttons a stopped run of this runbook offers (see RecoveryAction). */
  recovery?: readonly RecoveryAction[];
  /** Builds the final report from the step outputs. */
  report(target: RunTarget, params: P, outputs: Readonly<Record<string, unknown>>): RunReport;
}

/** The role a runbook of this risk needs by default. */
export function defaultMinRole(risk: Risk): RoleName {
  return risk === 'read' ? 'viewer' : 'operator';
}
