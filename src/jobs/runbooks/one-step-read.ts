import type { z } from 'zod';
import type { Runbook, StepContext } from '../runbook.js';
import { stepProgress } from '../step-progress.js';
import { requireDatabaseUrl } from './backup/backup-context.js';
import { requireCache } from './cache/cache-context.js';
import { argsAsParams } from './db/db-context.js';

/** What a one-step read of the target database or cache declares; the rest of the runbook is the same for all. */
export interface OneStepReadSpec<P> {
  name: string;
  summary: string;
  usage: string;
  examples: string[];
  params: z.ZodType<P>;
  /** What the step reads; a target without it is refused before the run is accepted. */
  reads: 'database' | 'cache';
  step: { name: string; title: string; timeoutMs: number };
  /** Reads and returns the step's output (checkpointed, then given to `report`). */
  read(ctx: StepContext<P>): Promise<unknown>;
  report: Runbook<P>['report'];
}

/**
 * A read-only runbook of one idempotent step (the catalog's stats, settings and index reads): viewer role, flags
 * parsed as params, the step shown as progress while it reads.
 */
export function oneStepRead<P>(spec: OneStepReadSpec<P>): Runbook<P> {
  const steps = [{ name: spec.step.name, title: spec.step.title }];
  return {
    name: spec.name,
    summary: spec.summary,
    usage: spec.usage,
    examples: spec.examples,
    risk: 'read',
    minRole: 'viewer',
    params: spec.params,
    parseArgs: (args, flags) => argsAsParams(args, flags),
    initialProgress: () => stepProgress(steps),
    async validate(ctx) {
      if (spec.reads === 'database') requireDatabaseUrl(ctx.target);
      else requireCache(ctx.target);
    },
    steps: [
      {
        ...spec.step,
        idempotent: true,
        async run(ctx) {
          ctx.progress(stepProgress(steps, spec.step.name));
          return spec.read(ctx);
        },
      },
    ],
    report: spec.report,
  };
}
