import { z } from 'zod';
import type { CheckResult } from '../../health/check.js';
import { healthChecks } from '../../health/checks/index.js';
import { overallStatus, runHealthChecks } from '../../health/run-checks.js';
import type { ProgressItem } from '../../report.js';
import type { Runbook } from '../../runbook.js';

const params = z.object({}).strict();

const resultsSchema = z.array(
  z.object({
    id: z.string(),
    title: z.string(),
    status: z.enum(['ok', 'warn', 'fail', 'skipped', 'error']),
    value: z.string().optional(),
    threshold: z.string().optional(),
    summary: z.string(),
    details: z.array(z.string()).optional(),
  }),
);

function toItem(r: CheckResult): ProgressItem {
  return { id: r.id, title: r.title, status: r.status, value: r.value, threshold: r.threshold, summary: r.summary };
}

/** The daily health check of both guides: every check at once, each with its own timeout. */
export const healthRunbook: Runbook<z.infer<typeof params>> = {
  name: 'health',
  summary:
    'Daily health check: pods, nodes, API, error rate, latency, cache, database, Redis, backups, certificates, logs, disk',
  usage: 'health [--env NAME]',
  examples: ['health', 'health --env staging'],
  risk: 'read',
  minRole: 'viewer',
  params,
  parseArgs(args, flags) {
    // Extra words and unknown flags are errors for the strict schema, not silently ignored (`--evn staging`).
    return { ...(args.length === 0 ? {} : { unexpected: args.join(' ') }), ...flags };
  },
  initialProgress() {
    return healthChecks.map((c) => ({ id: c.id, title: c.title, status: 'pending' }));
  },
  steps: [
    {
      name: 'checks',
      title: 'Run health checks',
      // The checks have their own timeouts; this is the outer bound of the step.
      timeoutMs: 120_000,
      idempotent: true,
      async run(ctx) {
        const items = new Map<string, ProgressItem>(
          healthChecks.map((c) => [c.id, { id: c.id, title: c.title, status: 'running' }]),
        );
        ctx.progress([...items.values()]);
        const results = await runHealthChecks(
          healthChecks,
          {
            serviceKey: ctx.target.serviceKey,
            command: ctx.target.service.command,
            environment: ctx.target.environment,
            infra: ctx.infra,
            thresholds: ctx.target.thresholds,
          },
          {
            timeoutMs: ctx.checkTimeoutMs,
            signal: ctx.signal,
            onResult(result) {
              items.set(result.id, toItem(result));
              ctx.progress([...items.values()]);
            },
          },
        );
        return results;
      },
    },
  ],
  report(target, _params, outputs) {
    const results = resultsSchema.parse(outputs.checks ?? []);
    const overall = overallStatus(results);
    // All skipped means nothing is configured: neutral, not an error.
    const status = overall;
    const counts = (s: CheckResult['status']) => results.filter((r) => r.status === s).length;
    const headline =
      `Health of ${target.service.displayName} (${target.environment}): ` +
      `${counts('ok')} ok, ${counts('warn')} warn, ${counts('fail')} fail, ${counts('error')} error, ${counts('skipped')} skipped`;
    return {
      status,
      headline,
      items: results.map(toItem),
      details: results
        .filter((r) => (r.details?.length ?? 0) > 0)
        .map((r) => ({ title: `${r.title}: ${r.summary}`, lines: r.details ?? [] })),
    };
  },
};
