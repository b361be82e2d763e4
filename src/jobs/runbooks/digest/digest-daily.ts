import type { CheckResult } from '../../health/check.js';
import { healthChecks } from '../../health/checks/index.js';
import { overallStatus } from '../../health/run-checks.js';
import type { ProgressItem } from '../../report.js';
import type { Runbook } from '../../runbook.js';
import { errorCountSection } from './digest-error-count.js';
import {
  type DigestParams,
  digestParams,
  digestReport,
  parseDigestArgs,
  pendingItems,
  runSections,
  sectionDetails,
  sectionItem,
  sectionResults,
  statusCounts,
} from './digest-sections.js';

// The figures the daily digest always shows, whatever their status; the other checks show only when not ok.
const highlighted = ['backup-age', 'certificates', 'errors-24h'];

/** One line standing for every health check: the worst status, the counts, and which ones are not ok. */
function healthLine(results: readonly CheckResult[]): ProgressItem {
  const checks = results.filter((r) => healthChecks.some((c) => c.id === r.id));
  const bad = checks.filter((r) => r.status === 'warn' || r.status === 'fail' || r.status === 'error');
  return {
    id: 'health',
    title: 'Health checks',
    status: overallStatus(checks),
    value: statusCounts(checks),
    summary:
      bad.length === 0
        ? `All ${checks.filter((r) => r.status === 'ok').length} measured checks ok`
        : `Not ok: ${bad.map((r) => r.title).join(', ')}`,
  };
}

/** The daily digest (09:00 in the guides): the health checks, backup age, certificate days left and 24 h errors. */
export const digestDailyRunbook: Runbook<DigestParams> = {
  name: 'digest daily',
  summary: 'Daily digest: health checks, backup age, certificate days left, errors in 24 h, as one compact report',
  usage: 'digest daily [--env NAME]',
  examples: ['digest daily', 'digest daily --env staging'],
  risk: 'read',
  minRole: 'viewer',
  params: digestParams,
  parseArgs: parseDigestArgs,
  initialProgress(target) {
    return pendingItems([...healthChecks, errorCountSection(target)]);
  },
  steps: [
    {
      name: 'checks',
      title: 'Run the daily checks',
      // Each check has its own timeout; this bounds the step.
      timeoutMs: 120_000,
      idempotent: true,
      run: (ctx) => runSections(ctx, [...healthChecks, errorCountSection(ctx.target)]),
    },
  ],
  report(target, _params, outputs) {
    const results = sectionResults(outputs.checks);
    const byId = new Map(results.map((r) => [r.id, r]));
    const shown = highlighted.flatMap((id) => {
      const r = byId.get(id);
      return r ? [sectionItem(r)] : [];
    });
    // Whatever is not ok is named on its own line, so a failing digest says what failed without opening the thread.
    const problems = results
      .filter((r) => !highlighted.includes(r.id) && ['warn', 'fail', 'error'].includes(r.status))
      .map(sectionItem);
    return digestReport('Daily digest', target, results, {
      items: [healthLine(results), ...shown, ...problems],
      details: [
        {
          title: 'All checks',
          lines: results.map((r) => `${r.status} · ${r.title}${r.value ? ` (${r.value})` : ''}: ${r.summary}`),
        },
        ...sectionDetails(results.filter((r) => r.status !== 'ok' || highlighted.includes(r.id))),
      ],
    });
  },
};
