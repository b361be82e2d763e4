import { z } from 'zod';

/**
 * A step's output saying it did nothing in this mode or setup, and why. The worker records such a step as `skipped`
 * with the reason, so the report (which reads the output) and `run <id>` (which reads the checkpoint) agree.
 */
export interface StepSkipped {
  skipped: true;
  /** Why, in full: the live message and the run detail show it. */
  reason: string;
  /** The same in a few words, for the report's step list. */
  short?: string;
}

/** The shape of a skip in a stored step output, for reports that parse their steps' outputs. */
export const stepSkippedSchema = z.object({
  skipped: z.literal(true),
  reason: z.string(),
  short: z.string().optional(),
});

/** A skip with its reason in full and, optionally, in a few words. */
export function stepSkipped(reason: string, short?: string): StepSkipped {
  return short === undefined ? { skipped: true, reason } : { skipped: true, reason, short };
}

/** The skip a step's output declares, or undefined when the step did its work. */
export function skipOf(output: unknown): StepSkipped | undefined {
  const parsed = stepSkippedSchema.safeParse(output);
  return parsed.success ? parsed.data : undefined;
}
