import { z } from 'zod';
import { messageOf, UserError } from '../../../errors.js';
import { countOf } from '../../../format/words.js';
import type { PrometheusClient } from '../../../infra/prometheus.js';
import type { CheckStatus } from '../../health/check.js';
import { formatCount, formatFraction, formatSeconds } from '../../health/checks/format.js';
import { firstLine } from '../../health/checks/outcome.js';
import { worstStatus } from '../../health/checks/severity.js';
import type { ProgressItem } from '../../report.js';
import { readRunbook } from '../catalog-ops-report.js';
import { environmentPath, leftovers } from '../k8s/k8s-context.js';
import { formatUtc } from '../k8s/k8s-format.js';
import { type PerfWindow, p99LatencySeconds, perfQueries, perfWindows, windowShape } from './perf-queries.js';
import { latencyTrend } from './perf-trend.js';

const params = z
  .object({
    window: z
      .enum(perfWindows, {
        error: (i) => `expected --window 24h, 7d or 30d, not "${String(i.input).slice(0, 20)}"`,
      })
      .default('24h'),
  })
  .strict();

type Measured = { value: number } | { missing: true } | { error: string };

async function measure(work: Promise<number | undefined>, signal: AbortSignal): Promise<Measured> {
  try {
    const value = await work;
    return value === undefined || !Number.isFinite(value) ? { missing: true } : { value };
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    return { error: firstLine(messageOf(err)) };
  }
}

/** An item for one measurement: `judge` gives its status and threshold when it was measured. */
function item(
  id: string,
  title: string,
  m: Measured,
  format: (v: number) => string,
  judge: (v: number) => { status: CheckStatus; threshold?: string; summary?: string },
): { status: CheckStatus; item: ProgressItem } {
  if ('error' in m) return { status: 'error', item: { id, title, status: 'error', summary: m.error } };
  if ('missing' in m) {
    return { status: 'skipped', item: { id, title, status: 'skipped', summary: 'no data for the window' } };
  }
  const verdict = judge(m.value);
  return { status: verdict.status, item: { id, title, value: format(m.value), ...verdict } };
}

function throughputText(rps: number, seconds: number): string {
  const rate = rps >= 10 ? rps.toFixed(1) : rps.toFixed(3);
  return `${Number(rate)} req/s (≈ ${formatCount(rps * seconds)} requests)`;
}

function requirePrometheus(ctx: {
  infra: { prometheus?: PrometheusClient };
  target: Parameters<typeof environmentPath>[0];
}) {
  if (!ctx.infra.prometheus) {
    throw new UserError(
      'unavailable',
      `Prometheus is not configured for ${ctx.target.environment}: set ${environmentPath(ctx.target)}.prometheus.url.`,
    );
  }
  return ctx.infra.prometheus;
}

/**
 * The guides' performance audit (THERMALIQ monthly audit and weekly report, VCCI SLOs): throughput, success rate and
 * p50/p95/p99 latency over the window against the service's thresholds, and the p95 trend with its > 2σ anomalies.
 */
export const perfRunbook = readRunbook({
  name: 'perf',
  summary: 'Throughput, success rate and p50/p95/p99 latency from Prometheus against the SLOs',
  usage: 'perf [--window 24h|7d|30d] [--env NAME]',
  examples: ['perf', 'perf --window 7d', 'perf --window 30d --env staging'],
  params,
  parseArgs(args, flags) {
    const { window, ...rest } = flags;
    return { ...(window === undefined ? {} : { window }), ...leftovers(args, rest) };
  },
  async validate(ctx) {
    requirePrometheus(ctx);
  },
  title: 'Query Prometheus',
  timeoutMs: 2 * 60_000,
  async collect(ctx) {
    const prom = requirePrometheus(ctx);
    const window: PerfWindow = ctx.params.window;
    const shape = windowShape[window];
    const q = perfQueries(ctx.target, window);
    const t = ctx.target.thresholds;
    const p99Slo = p99LatencySeconds(ctx.target);
    const signal = ctx.signal;
    const end = new Date();
    const start = new Date(end.getTime() - shape.seconds * 1000);
    const [throughput, errorRatio, p50, p95, p99, trendSeries] = await Promise.all([
      measure(prom.query(q.throughput, signal), signal),
      measure(prom.query(q.errorRatio, signal), signal),
      measure(prom.query(q.latency(0.5), signal), signal),
      measure(prom.query(q.latency(0.95), signal), signal),
      measure(prom.query(q.latency(0.99), signal), signal),
      prom.queryRange(q.latencyTrend, start, end, shape.step, signal).catch((err: unknown) => {
        if (signal.aborted) throw signal.reason;
        return new Error(messageOf(err));
      }),
    ]);
    const results = [
      item(
        'throughput',
        'Throughput',
        throughput,
        (v) => throughputText(v, shape.seconds),
        () => ({ status: 'ok' }),
      ),
      item(
        'success',
        'Success rate',
        errorRatio,
        (v) => formatFraction(1 - v),
        (v) => ({
          status: v > t.errorRate ? 'warn' : 'ok',
          threshold: `≥ ${formatFraction(1 - t.errorRate)} (errors ≤ ${formatFraction(t.errorRate)})`,
          summary: `error rate ${formatFraction(v)}`,
        }),
      ),
      item('p50', 'p50 latency', p50, formatSeconds, () => ({ status: 'ok' })),
      item('p95', 'p95 latency', p95, formatSeconds, (v) => ({
        status: v > t.p95LatencySeconds ? 'warn' : 'ok',
        threshold: `≤ ${formatSeconds(t.p95LatencySeconds)}`,
      })),
      item('p99', 'p99 latency', p99, formatSeconds, (v) =>
        p99Slo === undefined
          ? { status: 'ok', summary: 'no p99 SLO configured' }
          : { status: v > p99Slo ? 'warn' : 'ok', threshold: `≤ ${formatSeconds(p99Slo)}` },
      ),
    ];
    const details: { title: string; lines: string[] }[] = [];
    const trendTitle = `p95 trend (${shape.rate} windows)`;
    if (trendSeries instanceof Error) {
      results.push({
        status: 'error',
        item: { id: 'trend', title: trendTitle, status: 'error', summary: firstLine(trendSeries.message) },
      });
    } else {
      const trend = latencyTrend(trendSeries);
      if (trend) {
        const shown = trend.anomalies.slice(0, 20);
        details.push({
          title: `${trendTitle}: ${countOf(trend.anomalies.length, 'point')} above mean + 2σ`,
          lines: shown.map(([at, v]) => `${formatUtc(new Date(at * 1000))}: ${formatSeconds(v)}`),
        });
        results.push({
          status: 'ok',
          item: {
            id: 'trend',
            title: trendTitle,
            status: 'ok',
            value: `mean ${formatSeconds(trend.mean)}, median ${formatSeconds(trend.median)}, max ${formatSeconds(trend.max)}`,
            summary: `${trend.anomalies.length} of ${trend.points} points above mean + 2σ`,
          },
        });
      }
    }
    details.push({
      title: 'Queries',
      lines: [q.throughput, q.errorRatio, q.latency(0.5), q.latency(0.95), q.latency(0.99), q.latencyTrend],
    });
    const shown = (id: string) => results.find((r) => r.item.id === id)?.item.value ?? 'n/a';
    return {
      status: worstStatus(results.map((r) => r.status)),
      headline:
        `Performance of ${ctx.target.service.displayName} (${ctx.target.environment}), last ${window}: ` +
        `${shown('throughput')}, success ${shown('success')}, p95 ${shown('p95')} (SLO ${formatSeconds(t.p95LatencySeconds)})`,
      items: results.map((r) => r.item),
      details: details.filter((d) => d.lines.length > 0),
    };
  },
});
