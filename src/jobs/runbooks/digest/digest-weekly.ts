import type { HealthCheck } from '../../health/check.js';
import { certificatesCheck } from '../../health/checks/certificates.js';
import type { Runbook, RunTarget } from '../../runbook.js';
import { backupsSection } from './digest-backups.js';
import { cacheStatsSection } from './digest-cache-stats.js';
import { dbHighlightsSection } from './digest-db-highlights.js';
import { latencyTrend, latencyTrendOutputSchema } from './digest-latency-trend.js';
import { pointerResults, weeklyPointers } from './digest-pointers.js';
import {
  type DigestParams,
  digestParams,
  digestReport,
  parseDigestArgs,
  pendingItems,
  runSections,
  sectionResults,
} from './digest-sections.js';

function sections(target: RunTarget): HealthCheck[] {
  return [dbHighlightsSection(target), backupsSection, cacheStatsSection, certificatesCheck];
}

/**
 * The weekly digest (Sunday 02:00 UTC): database dead tuples and tables needing vacuum, backups, cache stats,
 * certificates, and the 7-day p95 latency trend with anomalies, whose chart is attached as a PNG.
 */
export const digestWeeklyRunbook: Runbook<DigestParams> = {
  name: 'digest weekly',
  summary: 'Weekly digest: database tables, backups, cache, certificates and a 7-day p95 latency chart with anomalies',
  usage: 'digest weekly [--env NAME]',
  examples: ['digest weekly', 'digest weekly --env staging'],
  risk: 'read',
  minRole: 'viewer',
  params: digestParams,
  parseArgs: parseDigestArgs,
  initialProgress(target) {
    return pendingItems([...sections(target), { id: 'latency-trend', title: 'p95 latency trend (7 d)' }]);
  },
  steps: [
    {
      name: 'sections',
      title: 'Collect the weekly figures',
      timeoutMs: 120_000,
      idempotent: true,
      run: (ctx) => runSections(ctx, sections(ctx.target)),
    },
    {
      name: 'latency-trend',
      title: 'Chart the 7-day p95 latency',
      // One range query and one render; the query has its own timeout in the Prometheus client.
      timeoutMs: 60_000,
      idempotent: true,
      run: (ctx) => latencyTrend(ctx),
    },
    {
      name: 'pointers',
      title: 'Point at the runbooks whose thresholds were crossed',
      timeoutMs: 60_000,
      idempotent: true,
      run: (ctx) => weeklyPointers(ctx),
    },
  ],
  report(target, _params, outputs) {
    const trend =
      outputs['latency-trend'] === undefined ? undefined : latencyTrendOutputSchema.parse(outputs['latency-trend']);
    const results = [
      ...sectionResults(outputs.sections),
      ...(trend ? [trend.result] : []),
      ...pointerResults(outputs.pointers),
    ];
    return digestReport('Weekly digest', target, results, { files: trend?.chart ? [trend.chart] : [] });
  },
};
