import { messageOf } from '../../../errors.js';
import type { PrometheusClient } from '../../../infra/prometheus.js';
import type { TargetDatabase } from '../../../infra/target-db.js';
import { formatFraction, formatPercent } from '../../health/checks/format.js';
import { firstLine } from '../../health/checks/outcome.js';
import type { ProgressItem } from '../../report.js';
import type { RunTarget } from '../../runbook.js';
import type { CapacityQueries } from './capacity-queries.js';

/** The VCCI guide's "When to Scale Up" limits: CPU > 70 %, memory > 80 %; the pool and cache from the thresholds. */
export const scaleLimits = { cpu: 0.7, memory: 0.8 } as const;

/** One "when to scale" check: an item (warn when crossed) and, when crossed, what to scale. */
export interface ScaleCheck {
  item: ProgressItem;
  crossed?: string;
}

async function measured(work: Promise<number | undefined>, signal: AbortSignal): Promise<number | Error | undefined> {
  try {
    return await work;
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    return new Error(firstLine(messageOf(err)));
  }
}

function judged(
  id: string,
  title: string,
  value: number | Error | undefined,
  opts: { above?: number; below?: number; threshold: string; crossed: string; missing: string },
): ScaleCheck {
  if (value instanceof Error) return { item: { id, title, status: 'error', summary: value.message } };
  if (value === undefined) return { item: { id, title, status: 'skipped', summary: opts.missing } };
  const crossed = (opts.above !== undefined && value > opts.above) || (opts.below !== undefined && value < opts.below);
  return {
    item: {
      id,
      title,
      status: crossed ? 'warn' : 'ok',
      value: formatFraction(value),
      threshold: opts.threshold,
      ...(crossed ? { summary: opts.crossed } : {}),
    },
    ...(crossed ? { crossed: opts.crossed } : {}),
  };
}

/**
 * The VCCI "When to Scale Up" checks the bot can measure: CPU and memory of the pods against their limits
 * (Prometheus), the target database's connections against max_connections, and the cache hit rate. Each is its
 * own item; one that cannot be measured says why and does not hide the others.
 */
export async function scaleChecks(
  target: RunTarget,
  sources: { prometheus?: PrometheusClient; targetDb?: TargetDatabase },
  queries: CapacityQueries,
  signal: AbortSignal,
): Promise<ScaleCheck[]> {
  const { prometheus, targetDb } = sources;
  const none = Promise.resolve(undefined);
  const t = target.thresholds;
  const [cpu, memory, pool, hit] = await Promise.all([
    measured(prometheus ? prometheus.query(queries.cpuUtilization, signal) : none, signal),
    measured(prometheus ? prometheus.query(queries.memoryUtilization, signal) : none, signal),
    measured(
      targetDb
        ? targetDb.connectionStats({ signal }).then((s) => s.connections / s.maxConnections)
        : Promise.resolve(undefined),
      signal,
    ),
    measured(prometheus && queries.cacheHitRate ? prometheus.query(queries.cacheHitRate, signal) : none, signal),
  ]);
  const noProm = prometheus ? 'no data' : 'Prometheus not configured';
  return [
    judged('scale-cpu', 'CPU of the limit (10 min)', cpu, {
      above: scaleLimits.cpu,
      threshold: `> ${formatFraction(scaleLimits.cpu)} scales the application`,
      crossed: 'CPU above 70 %: scale the application (more replicas, or raise the HPA maximum)',
      missing: noProm,
    }),
    judged('scale-memory', 'Memory of the limit', memory, {
      above: scaleLimits.memory,
      threshold: `> ${formatFraction(scaleLimits.memory)} scales the application`,
      crossed: 'memory above 80 %: scale the application or raise the memory limit',
      missing: noProm,
    }),
    judged('scale-db-pool', 'Database connections', pool, {
      above: t.dbConnectionsPercent / 100,
      threshold: `> ${formatPercent(t.dbConnectionsPercent)} of max_connections scales the database`,
      crossed: `connection pool above ${formatPercent(t.dbConnectionsPercent)}: scale the database (or a pooler)`,
      missing: 'no database configured',
    }),
    judged('scale-cache', 'Cache hit rate (24 h)', hit, {
      below: t.cacheHitRate,
      threshold: `< ${formatFraction(t.cacheHitRate)} scales Redis`,
      crossed: `cache hit rate below ${formatFraction(t.cacheHitRate)}: scale Redis, and run \`tune cache\``,
      missing: noProm,
    }),
  ];
}
