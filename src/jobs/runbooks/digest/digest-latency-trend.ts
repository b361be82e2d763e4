import { z } from 'zod';
import { detectAnomalies, type SeriesPoint } from '../../../charts/anomalies.js';
import { renderLatencyTrendPng } from '../../../charts/latency-trend.js';
import { messageOf } from '../../../errors.js';
import { countOf } from '../../../format/words.js';
import type { CheckResult } from '../../health/check.js';
import { formatCount, formatSeconds } from '../../health/checks/format.js';
import { firstLine } from '../../health/checks/outcome.js';
import type { ReportFile } from '../../report.js';
import type { RunbookContext } from '../../runbook.js';
import { digestQueries } from './digest-queries.js';
import { sectionResultSchema } from './digest-sections.js';

/** The trend section's result and, when it could be drawn, its chart. */
export interface LatencyTrendOutput {
  result: CheckResult;
  chart?: ReportFile;
}

/** The trend step's checkpointed output, read back from JSON. */
export const latencyTrendOutputSchema = z.object({
  result: sectionResultSchema,
  chart: z
    .object({
      filename: z.string(),
      title: z.string(),
      content: z.string(),
      encoding: z.enum(['utf8', 'base64']),
    })
    .optional(),
});

const id = 'latency-trend';
const title = 'p95 latency trend (7 d)';
const days = 7;
// The guide's figure is 12 × 6 inches at 100 dpi.
const chartSize = { width: 1200, height: 600 };
// The anomalies the thread lists; a week with more is better read off the chart.
const listedAnomalies = 10;

function utcHour(t: number): string {
  return `${new Date(t * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/**
 * The THERMALIQ weekly performance analysis: the hourly p95 latency of the last 7 days (query_range, step 1 h),
 * its mean and anomalies (> 2σ above the mean), drawn as a PNG. Anomalies are listed, not judged: a noisy but
 * healthy week has some. The section warns when the p95 went above the latency threshold in any hour, and reports
 * (never throws) a Prometheus that is missing, failing or without data, or a chart that could not be drawn.
 */
export async function latencyTrend(ctx: RunbookContext, now = new Date()): Promise<LatencyTrendOutput> {
  const { target } = ctx;
  const prometheus = ctx.infra.prometheus;
  if (!prometheus) {
    return {
      result: {
        id,
        title,
        status: 'skipped',
        summary: `Prometheus not configured: set services.${target.serviceKey}.environments.${target.environment}.prometheus.url`,
      },
    };
  }
  const { p95Hourly: promql, trendStepSeconds: step } = digestQueries(target);
  // Whole steps (hours), so points line up with the hour and a re-run within the hour draws the same chart.
  const end = new Date(Math.floor(now.getTime() / (step * 1000)) * step * 1000);
  const start = new Date(end.getTime() - days * 86_400_000);
  let points: SeriesPoint[];
  try {
    points = await prometheus.queryRange(promql, start, end, step, ctx.signal);
  } catch (err) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    return { result: { id, title, status: 'error', summary: firstLine(messageOf(err)), details: [promql] } };
  }
  if (points.length === 0) {
    return {
      result: {
        id,
        title,
        status: 'error',
        value: 'no data',
        summary: 'The range query returned no data (metric missing, or no traffic in the week)',
        details: [promql],
      },
    };
  }
  const stats = detectAnomalies(points);
  const slo = target.thresholds.p95LatencySeconds;
  const above = points.filter(([, v]) => v > slo);
  const max = points.reduce((m, [, v]) => Math.max(m, v), Number.NEGATIVE_INFINITY);
  const n = stats.anomalies.length;
  const value = `mean ${formatSeconds(stats.mean)}, max ${formatSeconds(max)}, ${countOf(n, 'anomaly', 'anomalies')}`;
  const threshold = `> ${formatSeconds(slo)} in any hour warns; > mean + 2σ (${formatSeconds(stats.threshold)}) is an anomaly`;
  const details = [
    `${formatCount(points.length)} hourly points from ${utcHour(points[0]?.[0] ?? 0)} to ${utcHour(points.at(-1)?.[0] ?? 0)}`,
    `mean ${formatSeconds(stats.mean)}, σ ${formatSeconds(stats.std)}, mean + 2σ ${formatSeconds(stats.threshold)}, max ${formatSeconds(max)}`,
    ...stats.anomalies.slice(0, listedAnomalies).map(([t, v]) => `anomaly · ${utcHour(t)} · ${formatSeconds(v)}`),
    ...(n > listedAnomalies ? [`… and ${n - listedAnomalies} more anomalies`] : []),
    promql,
  ];
  const result: CheckResult =
    above.length > 0
      ? {
          id,
          title,
          status: 'warn',
          value,
          threshold,
          summary: `p95 above ${formatSeconds(slo)} in ${above.length} of ${points.length} hours (max ${formatSeconds(max)})`,
          details,
        }
      : { id, title, status: 'ok', value, threshold, summary: `p95 over 7 days: ${value}`, details };

  let png: Buffer;
  try {
    png = await renderLatencyTrendPng(
      {
        points,
        anomalies: stats,
        ...chartSize,
        title: `${target.service.displayName} p95 latency – last 7 days (${target.environment})`,
        // Always drawn, even far above a calm week: how far the week stays below its objective is the news.
        sloSeconds: slo,
      },
      { signal: ctx.signal },
    );
  } catch (err) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    // The figures stand without the picture; say why it is missing.
    return { result: { ...result, details: [...details, `chart not drawn: ${firstLine(messageOf(err))}`] } };
  }
  const day = end.toISOString().slice(0, 10).replaceAll('-', '');
  return {
    result,
    chart: {
      filename: `latency-p95-7d-${target.serviceKey}-${target.environment}-${day}.png`,
      title: `${target.service.displayName} p95 latency, last 7 days (${target.environment})`,
      content: png.toString('base64'),
      encoding: 'base64',
    },
  };
}
