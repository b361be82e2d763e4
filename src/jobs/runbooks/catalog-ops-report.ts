import { z } from 'zod';
import type { RunReport } from '../report.js';
import type { Runbook, RunbookContext, StepContext } from '../runbook.js';

const itemSchema = z.object({
  id: z.string(),
  title: z.string(),
  status: z.enum(['pending', 'running', 'succeeded', 'failed', 'ok', 'warn', 'fail', 'skipped', 'error']),
  value: z.string().optional(),
  threshold: z.string().optional(),
  summary: z.string().optional(),
});

/** A RunReport as a step checkpoints it (JSON); parsed again when the report is built. */
export const runReportSchema = z.object({
  status: z.enum(['ok', 'warn', 'fail', 'error', 'skipped']),
  headline: z.string(),
  items: z.array(itemSchema),
  details: z.array(z.object({ title: z.string(), lines: z.array(z.string()) })),
  files: z
    .array(
      z.object({ filename: z.string(), title: z.string(), content: z.string(), encoding: z.enum(['utf8', 'base64']) }),
    )
    .optional(),
});

/** What a read-only runbook declares: its words, its params, and how it gathers its report. */
export interface ReadRunbookSpec<P> {
  name: string;
  summary: string;
  usage: string;
  examples: string[];
  params: z.ZodType<P>;
  parseArgs(args: string[], flags: Record<string, string | true>): unknown;
  validate?(ctx: RunbookContext, params: P): Promise<void>;
  /** The title of its single step, shown while it runs. */
  title: string;
  timeoutMs: number;
  /** Gathers everything and returns the finished report; reading twice is harmless. */
  collect(ctx: StepContext<P>): Promise<RunReport>;
}

/**
 * A read-only runbook with one idempotent step that builds the whole report. The step's output is the report, so a
 * re-delivery after a crash reports what was read, and `report` only validates the checkpoint.
 */
export function readRunbook<P>(spec: ReadRunbookSpec<P>): Runbook<P> {
  const step = { id: 'collect', title: spec.title };
  return {
    name: spec.name,
    summary: spec.summary,
    usage: spec.usage,
    examples: spec.examples,
    risk: 'read',
    minRole: 'viewer',
    params: spec.params,
    parseArgs: spec.parseArgs,
    validate: spec.validate,
    initialProgress: () => [{ ...step, status: 'pending' }],
    steps: [
      {
        name: 'collect',
        title: spec.title,
        timeoutMs: spec.timeoutMs,
        idempotent: true,
        run(ctx) {
          ctx.progress([{ ...step, status: 'running' }]);
          return spec.collect(ctx);
        },
      },
    ],
    report(_target, _params, outputs) {
      return runReportSchema.parse(outputs.collect);
    },
  };
}
