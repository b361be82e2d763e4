import { z } from 'zod';
import { renderCapacityForecastPng } from '../../../charts/capacity-forecast.js';
import { messageOf, UserError } from '../../../errors.js';
import { databaseFacts } from '../../../infra/pg-query.js';
import type { PrometheusClient } from '../../../infra/prometheus.js';
import type { CheckStatus } from '../../health/check.js';
import { formatBytes, formatCount, formatPercent } from '../../health/checks/format.js';
import { firstLine } from '../../health/checks/outcome.js';
import { worstStatus } from '../../health/checks/severity.js';
import type { ProgressItem, ReportFile, RunReport } from '../../report.js';
import type { RunbookContext, StepContext } from '../../runbook.js';
import { readRunbook } from '../catalog-ops-report.js';
import { environmentPath, leftovers } from '../k8s/k8s-context.js';
import { forecastTraffic, type MonthPoint, monthSeconds, podsFor } from './capacity-forecast.js';
import { capacityConfig, capacityQueries } from './capacity-queries.js';
import { scaleChecks } from './capacity-scaling.js';

/**
 * A whole-number flag within bounds. Only digits become a number: a bare `--months` (true) or "1.5" stays as given
 * and is refused, where z.coerce would read true as 1. The command handler words the refusal from the bounds.
 */
function boundedFlag(min: number, max: number, fallback: number) {
  return z
    .preprocess(
      (v) => (typeof v === 'string' && /^\d{1,6}$/.test(v) ? Number(v) : v),
      z.number().int().min(min).max(max),
    )
    .default(fallback);
}

const params = z.object({ months: boundedFlag(3, 36, 12), horizon: boundedFlag(1, 24, 6) }).strict();
type CapacityParams = z.infer<typeof params>;

const chartSize = { width: 1200, height: 600 };

function requirePrometheus(ctx: Pick<RunbookContext, 'infra' | 'target'>): PrometheusClient {
  if (!ctx.infra.prometheus) {
    throw new UserError(
      'unavailable',
      `Prometheus is not configured for ${ctx.target.environment}: set ${environmentPath(ctx.target)}.prometheus.url.`,
    );
  }
  return ctx.infra.prometheus;
}

function day(t: number): string {
  return new Date(t * 1000).toISOString().slice(0, 10);
}

function signed(percent: number): string {
  return `${percent >= 0 ? '+' : ''}${formatPercent(percent)}`;
}

async function rangeOrError(
  prom: PrometheusClient,
  promql: string,
  window: { start: Date; end: Date },
  signal: AbortSignal,
): Promise<MonthPoint[] | Error> {
  try {
    return await prom.queryRange(promql, window.start, window.end, monthSeconds, signal);
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    return new Error(firstLine(messageOf(err)));
  }
}

/** Database size now (pg_database_size) and, where a query is configured, its monthly growth from Prometheus. */
async function databaseGrowth(
  ctx: StepContext<CapacityParams>,
  window: { start: Date; end: Date },
  sizeQuery: string | undefined,
  prom: PrometheusClient,
): Promise<{ item: ProgressItem; lines: string[] }> {
  const id = 'db-size';
  const title = 'Database size';
  const url = ctx.target.env.database?.url;
  const lines: string[] = [];
  let now: number | undefined;
  let nowText = 'n/a';
  if (url) {
    try {
      const facts = await databaseFacts(url, ctx.signal);
      now = facts.sizeBytes;
      nowText = `${formatBytes(now)} (${facts.name}, pg_database_size)`;
    } catch (err) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      lines.push(`size now not read: ${firstLine(messageOf(err))}`);
    }
  }
  if (!sizeQuery) {
    const summary = `trend not measured: set ${environmentPath(ctx.target)}.capacity.databaseSizeQuery`;
    if (now === undefined && !url) {
      return { item: { id, title, status: 'skipped', summary: `no database configured; ${summary}` }, lines };
    }
    return { item: { id, title, status: now === undefined ? 'error' : 'ok', value: nowText, summary }, lines };
  }
  const series = await rangeOrError(prom, sizeQuery, window, ctx.signal);
  if (series instanceof Error || series.length < 2) {
    const why = series instanceof Error ? series.message : 'fewer than 2 months of data';
    return { item: { id, title, status: 'error', value: nowText, summary: `trend: ${why}` }, lines };
  }
  const trend = forecastTraffic(series, ctx.params.horizon);
  const projected = trend.forecast.at(-1)?.[1] ?? 0;
  lines.push(...series.map(([t, v]) => `${day(t)}: ${formatBytes(v)}`));
  lines.push(`growth ${formatBytes(Math.abs(trend.slope))} per month${trend.slope < 0 ? ' (shrinking)' : ''}`);
  lines.push(`in ${ctx.params.horizon} months: ${formatBytes(projected)}`);
  lines.push(sizeQuery);
  return {
    item: {
      id,
      title,
      status: now === undefined && url ? 'error' : 'ok',
      value: now === undefined ? formatBytes(series.at(-1)?.[1] ?? 0) : nowText,
      summary: `${trend.slope < 0 ? '−' : '+'}${formatBytes(Math.abs(trend.slope))}/month, ≈ ${formatBytes(projected)} in ${ctx.params.horizon} months`,
    },
    lines,
  };
}

async function collect(ctx: StepContext<CapacityParams>): Promise<RunReport> {
  const prom = requirePrometheus(ctx);
  const { months, horizon } = ctx.params;
  const { target, signal } = ctx;
  const cfg = capacityConfig(target);
  const queries = capacityQueries(target, prom.queries.cacheHitRate);
  // Whole days, so a re-run the same day asks for the same months.
  const end = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000);
  const window = { start: new Date(end.getTime() - (months - 1) * monthSeconds * 1000), end };
  const [history, db, scaling] = await Promise.all([
    rangeOrError(prom, queries.monthlyRequests, window, signal),
    databaseGrowth(ctx, window, queries.databaseSize, prom),
    scaleChecks(target, ctx.infra, queries, signal),
  ]);
  const items: ProgressItem[] = [];
  const details: RunReport['details'] = [];
  const files: ReportFile[] = [];
  let trafficHeadline = 'no traffic forecast';
  if (history instanceof Error || history.length < 3) {
    const summary =
      history instanceof Error ? history.message : `only ${history.length} months of data; a forecast needs 3`;
    items.push({ id: 'traffic', title: `Requests per month (${months})`, status: 'error', summary });
  } else {
    const trend = forecastTraffic(history, horizon);
    const lastMonth = history.at(-1)?.[1] ?? 0;
    const peak = trend.forecast.at(-1)?.[1] ?? 0;
    const growth = trend.meanGrowth === undefined ? 'n/a' : `${signed(trend.meanGrowth * 100)} per month`;
    items.push({
      id: 'traffic',
      title: `Requests per month (${history.length})`,
      status: 'ok',
      value: `${formatCount(lastMonth)} in the last 30 days`,
      summary: `growth ${growth} (mean month over month); trend ${trend.slope < 0 ? '−' : '+'}${formatCount(Math.abs(trend.slope))} requests/month`,
    });
    items.push({
      id: 'forecast',
      title: `Forecast (+${horizon} months)`,
      status: 'ok',
      value: `${formatCount(peak)} requests in month +${horizon}`,
      summary: `linear regression over ${history.length} months`,
    });
    const perPod = cfg.requestsPerPodPerSecond;
    const buffer = cfg.bufferPercent;
    if (perPod === undefined) {
      items.push({
        id: 'pods',
        title: 'Pods needed',
        status: 'skipped',
        summary: `per-pod capacity not configured: set ${environmentPath(target)}.capacity.requestsPerPodPerSecond`,
      });
    } else {
      const need = podsFor(peak, perPod, buffer);
      items.push({
        id: 'pods',
        title: `Pods needed (month +${horizon})`,
        status: 'ok',
        value: `${need.withBuffer} pods with ${formatPercent(buffer)} buffer (${need.pods} without)`,
        summary: `${Number(need.perSecond.toFixed(4))} req/s at ${perPod} req/s per pod`,
      });
    }
    details.push({
      title: `Requests per month (30 d windows, ${history.length} months)`,
      lines: history.map(([t, v], i) => {
        const before = history[i - 1]?.[1];
        const change = before ? ` (${signed((v / before - 1) * 100)})` : '';
        return `to ${day(t)}: ${formatCount(v)}${change}`;
      }),
    });
    details.push({
      title: `Forecast (linear regression: ${formatCount(trend.intercept)} + ${formatCount(trend.slope)} × month)`,
      lines: trend.forecast.map(([t, v], i) => {
        const pods = perPod === undefined ? '' : `, ${podsFor(v, perPod, buffer).withBuffer} pods with buffer`;
        return `month +${i + 1} (to ${day(t)}): ${formatCount(v)} requests${pods}`;
      }),
    });
    trafficHeadline = `${formatCount(lastMonth)} requests last month, ${growth}; month +${horizon}: ${formatCount(peak)}`;
    try {
      const png = await renderCapacityForecastPng(
        {
          history,
          forecast: trend.forecast,
          ...chartSize,
          title: `${target.service.displayName} requests per month and ${horizon}-month forecast (${target.environment})`,
        },
        { signal },
      );
      files.push({
        filename: `capacity-${target.serviceKey}-${target.environment}-${day(end.getTime() / 1000).replaceAll('-', '')}.png`,
        title: `${target.service.displayName} capacity forecast (${target.environment})`,
        content: png.toString('base64'),
        encoding: 'base64',
      });
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      details.push({ title: 'Chart', lines: [`chart not drawn: ${firstLine(messageOf(err))}`] });
    }
  }
  items.push(db.item);
  if (db.lines.length > 0) details.push({ title: 'Database size', lines: db.lines });
  items.push(...scaling.map((s) => s.item));
  const crossed = scaling.flatMap((s) => (s.crossed ? [s.crossed] : []));
  details.push({ title: 'When to scale (VCCI guide)', lines: crossed.length > 0 ? crossed : ['no threshold crossed'] });
  details.push({
    title: 'Queries',
    lines: [queries.monthlyRequests, queries.cpuUtilization, queries.memoryUtilization, queries.cacheHitRate ?? ''],
  });
  const status = worstStatus(items.map((i) => toCheck(i.status)));
  return {
    status,
    headline:
      `Capacity of ${target.service.displayName} (${target.environment}): ${trafficHeadline}; ` +
      (crossed.length > 0 ? `${crossed.length} scaling threshold(s) crossed` : 'no scaling threshold crossed'),
    items,
    details: details.filter((d) => d.lines.some((l) => l !== '')),
    files,
  };
}

// The items are checks (ok, warn, error, skipped), never step states.
function toCheck(status: ProgressItem['status']): CheckStatus {
  return status === 'warn' || status === 'fail' || status === 'error' || status === 'skipped' ? status : 'ok';
}

/**
 * The capacity review (THERMALIQ "Capacity Planning Review", VCCI "Resource Forecasting" and "Scaling Decisions"):
 * monthly requests from Prometheus, their growth, a linear-regression forecast turned into pods (per-pod capacity
 * from `capacity.requestsPerPodPerSecond`, plus the buffer), the database's growth, the "when to scale"
 * thresholds, and a PNG chart of history and forecast.
 */
export const capacityRunbook = readRunbook({
  name: 'capacity',
  summary: 'Monthly requests, growth and a linear forecast in pods (+30 % buffer), database growth, scaling thresholds',
  usage: 'capacity [--months 12] [--horizon 6] [--env NAME]',
  examples: ['capacity', 'capacity --months 24 --horizon 12'],
  params,
  parseArgs(args, flags) {
    return leftovers(args, flags);
  },
  async validate(ctx) {
    requirePrometheus(ctx);
  },
  title: 'Query Prometheus and the database',
  timeoutMs: 3 * 60_000,
  collect,
});
