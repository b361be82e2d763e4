import type { HealthCheck } from '../../health/check.js';
import type { Runbook, RunTarget } from '../../runbook.js';
import { computeCostSection } from './digest-cost.js';
import { cpuUsageSection } from './digest-cpu-usage.js';
import { latencySloSections } from './digest-latency-slo.js';
import { monthlyPointers, pointerResults } from './digest-pointers.js';
import {
  type DigestParams,
  digestParams,
  digestReport,
  parseDigestArgs,
  pendingItems,
  runSections,
  sectionResults,
} from './digest-sections.js';
import { successRateSection, throughputSection } from './digest-traffic.js';

// Instant queries over 30 days make Prometheus read a month of samples: give them longer than a daily check.
const minSectionTimeoutMs = 30_000;

function sections(target: RunTarget): HealthCheck[] {
  return [
    throughputSection(target),
    successRateSection(target),
    ...latencySloSections(target),
    cpuUsageSection(target),
    computeCostSection(target),
  ];
}

/**
 * The monthly audit (first Sunday 02:00 UTC), after the THERMALIQ performance audit: throughput, success rate and
 * p50/p95/p99 latency over 30 days against the SLOs, CPU utilization, and the compute-hour cost estimate.
 */
export const digestMonthlyRunbook: Runbook<DigestParams> = {
  name: 'digest monthly',
  summary: 'Monthly audit: 30-day throughput, success rate, p50/p95/p99 against the SLOs, CPU use and compute cost',
  usage: 'digest monthly [--env NAME]',
  examples: ['digest monthly', 'digest monthly --env staging'],
  risk: 'read',
  minRole: 'viewer',
  params: digestParams,
  parseArgs: parseDigestArgs,
  initialProgress(target) {
    return pendingItems(sections(target));
  },
  steps: [
    {
      name: 'audit',
      title: 'Collect the 30-day figures',
      timeoutMs: 180_000,
      idempotent: true,
      run: (ctx) =>
        runSections(ctx, sections(ctx.target), { timeoutMs: Math.max(ctx.checkTimeoutMs, minSectionTimeoutMs) }),
    },
    {
      name: 'pointers',
      title: 'Point at the runbooks whose thresholds were crossed',
      timeoutMs: 60_000,
      idempotent: true,
      run: (ctx) => monthlyPointers(ctx),
    },
  ],
  report(target, _params, outputs) {
    return digestReport('Monthly audit', target, [
      ...sectionResults(outputs.audit),
      ...pointerResults(outputs.pointers),
    ]);
  },
};
