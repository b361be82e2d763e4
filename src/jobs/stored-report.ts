import { z } from 'zod';
import type { RunReport } from './report.js';

const itemSchema = z.object({
  id: z.string(),
  title: z.string(),
  status: z.enum(['pending', 'running', 'succeeded', 'failed', 'ok', 'warn', 'fail', 'skipped', 'error']),
  value: z.string().optional(),
  threshold: z.string().optional(),
  summary: z.string().optional(),
});

const reportSchema = z.object({
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

/** A report read back from the store, or undefined when it is not one. */
export function parseStoredReport(value: unknown): RunReport | undefined {
  const parsed = reportSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}
