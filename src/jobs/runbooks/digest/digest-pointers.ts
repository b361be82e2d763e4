import { z } from 'zod';
import type { CheckResult } from '../../health/check.js';
import { formatFraction, formatPercent } from '../../health/checks/format.js';
import type { RunbookContext } from '../../runbook.js';
import { digestQueries } from './digest-queries.js';

/** Month-over-month request growth above which the monthly audit points at `capacity` (no guide sets a number). */
export const trafficGrowthPointer = 0.2;
/** CPU used over 30 days, as a share of what is requested, above which the audit points at `capacity` (VCCI: 70 %). */
export const cpuSharePointer = 0.7;

/** What the digests point at, with why: runbooks to run because a threshold was crossed. */
export const pointersSchema = z.array(z.string());

type Window = '7d' | '30d';

async function value(ctx: RunbookContext, promql: string): Promise<number | undefined> {
  const prom = ctx.infra.prometheus;
  if (!prom) return undefined;
  try {
    const v = await prom.query(promql, ctx.signal);
    return v !== undefined && Number.isFinite(v) ? v : undefined;
  } catch {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    // A pointer is advice on top of the digest's own sections, which report a failing Prometheus themselves.
    return undefined;
  }
}

/** The cache hit rate over the window, from the health check's query with its range widened. */
async function cacheHitPointer(ctx: RunbookContext, window: Window): Promise<string | undefined> {
  const query = ctx.infra.prometheus?.queries.cacheHitRate.replaceAll('[24h]', `[${window}]`);
  const rate = query === undefined ? undefined : await value(ctx, query);
  const limit = ctx.target.thresholds.cacheHitRate;
  if (rate === undefined || rate >= limit) return undefined;
  return `Cache hit rate ${formatFraction(rate)} over ${window} is below ${formatFraction(limit)} — run \`${ctx.target.service.command} tune cache\``;
}

/**
 * The monthly audit's pointers: traffic growth against the 30 days before (> 20 %) and CPU used against requested
 * (> 70 %) point at `capacity`; the cache hit rate at `tune cache`; database connections at `tune db`.
 */
export async function monthlyPointers(ctx: RunbookContext): Promise<string[]> {
  const { target } = ctx;
  const command = target.service.command;
  const prefix = target.serviceKey.replaceAll('-', '_');
  const q = digestQueries(target);
  const [now, before, used, requested, cache, connections] = await Promise.all([
    value(ctx, `sum(increase(${prefix}_calculation_requests_total[30d]))`),
    value(ctx, `sum(increase(${prefix}_calculation_requests_total[30d] offset 30d))`),
    value(ctx, q.cpuUsage30d),
    value(ctx, q.cpuRequests),
    cacheHitPointer(ctx, '30d'),
    ctx.infra.targetDb
      ? ctx.infra.targetDb.connectionStats({ signal: ctx.signal }).catch(() => {
          if (ctx.signal.aborted) throw ctx.signal.reason;
          return undefined;
        })
      : Promise.resolve(undefined),
  ]);
  const lines: string[] = [];
  if (now !== undefined && before !== undefined && before > 0 && now / before - 1 > trafficGrowthPointer) {
    lines.push(
      `Traffic grew ${formatPercent((now / before - 1) * 100)} against the 30 days before — run \`${command} capacity\``,
    );
  }
  if (used !== undefined && requested !== undefined && requested > 0 && used / requested > cpuSharePointer) {
    lines.push(`CPU used ${formatFraction(used / requested)} of requested over 30 days — run \`${command} capacity\``);
  }
  if (cache) lines.push(cache);
  const limit = target.thresholds.dbConnectionsPercent;
  if (connections && (connections.connections / connections.maxConnections) * 100 > limit) {
    const share = formatFraction(connections.connections / connections.maxConnections);
    lines.push(
      `Database connections at ${share} of max_connections, above ${formatPercent(limit)} — run \`${command} tune db\``,
    );
  }
  return lines;
}

/** The weekly digest's pointer: the cache hit rate over 7 days points at `tune cache`. */
export async function weeklyPointers(ctx: RunbookContext): Promise<string[]> {
  const cache = await cacheHitPointer(ctx, '7d');
  return cache ? [cache] : [];
}

/** The pointers as a digest section: warn (so a quiet schedule posts), absent when nothing was crossed. */
export function pointerResults(output: unknown): CheckResult[] {
  const lines = pointersSchema.parse(output ?? []);
  if (lines.length === 0) return [];
  return [{ id: 'next-steps', title: 'Next steps', status: 'warn', summary: lines.join('; '), details: lines }];
}
