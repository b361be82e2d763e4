import { z } from 'zod';
import type { CheckResult, HealthCheck } from '../../health/check.js';
import { overallStatus, runHealthChecks } from '../../health/run-checks.js';
import type { ProgressItem, RunReport } from '../../report.js';
import type { RunTarget, StepContext } from '../../runbook.js';

/** A digest takes no arguments: what it covers is fixed by the guides. */
export const digestParams = z.object({}).strict();

/** The (empty) params of a digest runbook. */
export type DigestParams = z.infer<typeof digestParams>;

/** Turns command words into digest params; extra words are an error, not silently ignored. */
export function parseDigestArgs(args: string[], flags: Record<string, string | true>): unknown {
  // Extra words and unknown flags are errors for the strict schema, not silently ignored.
  return { ...(args.length === 0 ? {} : { unexpected: args.join(' ') }), ...flags };
}

/** One digest section's result as checkpointed: a health check result, read back from JSON. */
export const sectionResultSchema = z.object({
  id: z.string(),
  title: z.string(),
  status: z.enum(['ok', 'warn', 'fail', 'skipped', 'error']),
  value: z.string().optional(),
  threshold: z.string().optional(),
  summary: z.string(),
  details: z.array(z.string()).optional(),
});

/** Parses a step's checkpointed section results (a missing step counts as no sections). */
export function sectionResults(output: unknown): CheckResult[] {
  return z.array(sectionResultSchema).parse(output ?? []);
}

/** A section result as a line of the run's message. */
export function sectionItem(r: CheckResult): ProgressItem {
  return { id: r.id, title: r.title, status: r.status, value: r.value, threshold: r.threshold, summary: r.summary };
}

/** The pending lines for sections that have not run yet. */
export function pendingItems(sections: readonly Pick<HealthCheck, 'id' | 'title'>[]): ProgressItem[] {
  return sections.map((s) => ({ id: s.id, title: s.title, status: 'pending' }));
}

/**
 * Runs digest sections at once through the health-check runner, so each has its own timeout and a failing, slow or
 * unreachable target becomes that section's `error` result instead of failing the digest. Progress shows each
 * section as it finishes.
 */
export async function runSections(
  ctx: StepContext<unknown>,
  sections: readonly HealthCheck[],
  opts: { timeoutMs?: number } = {},
): Promise<CheckResult[]> {
  const items = new Map<string, ProgressItem>(
    sections.map((s) => [s.id, { id: s.id, title: s.title, status: 'running' }]),
  );
  ctx.progress([...items.values()]);
  return runHealthChecks(
    sections,
    {
      serviceKey: ctx.target.serviceKey,
      command: ctx.target.service.command,
      environment: ctx.target.environment,
      infra: ctx.infra,
      thresholds: ctx.target.thresholds,
    },
    {
      timeoutMs: opts.timeoutMs ?? ctx.checkTimeoutMs,
      signal: ctx.signal,
      onResult(result) {
        items.set(result.id, sectionItem(result));
        ctx.progress([...items.values()]);
      },
    },
  );
}

/** "3 ok, 1 warn" for the statuses that occur, worst first. */
export function statusCounts(results: readonly Pick<CheckResult, 'status'>[]): string {
  const order = ['fail', 'error', 'warn', 'ok', 'skipped'] as const;
  const parts = order
    .map((s) => [s, results.filter((r) => r.status === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`);
  return parts.length > 0 ? parts.join(', ') : 'nothing checked';
}

/** The thread detail of each section that has any, titled with its summary. */
export function sectionDetails(results: readonly CheckResult[]): RunReport['details'] {
  return results
    .filter((r) => (r.details?.length ?? 0) > 0)
    .map((r) => ({ title: `${r.title}: ${r.summary}`, lines: r.details ?? [] }));
}

/**
 * A digest's report: its status is the worst section's (so a quiet schedule posts exactly when something is warn,
 * fail or error), and the headline names the digest, the target and the counts.
 */
export function digestReport(
  what: string,
  target: RunTarget,
  results: readonly CheckResult[],
  parts: { items?: ProgressItem[]; details?: RunReport['details']; files?: RunReport['files'] } = {},
): RunReport {
  return {
    status: overallStatus(results),
    headline: `${what} of ${target.service.displayName} (${target.environment}): ${statusCounts(results)}`,
    items: parts.items ?? results.map(sectionItem),
    details: parts.details ?? sectionDetails(results),
    ...(parts.files && parts.files.length > 0 ? { files: parts.files } : {}),
  };
}
