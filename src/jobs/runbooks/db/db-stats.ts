import { z } from 'zod';
import { countOf } from '../../../format/words.js';
import { connectionsByState, type TableStats, topTablesByDeadTuples } from '../../../infra/pg-stats.js';
import { formatCount, formatPercent } from '../../health/checks/format.js';
import type { ProgressItem, ReportStatus } from '../../report.js';
import type { Runbook } from '../../runbook.js';
import { oneStepRead } from '../one-step-read.js';
import { countParam, formatWhen, withTargetDb } from './db-context.js';

const params = z.object({ limit: countParam(100, 20) }).strict();
type DbStatsParams = z.infer<typeof params>;

/** The guide's autovacuum settings: a table is due once dead tuples pass 50 + 0.1 × live tuples. */
export const autovacuumTrigger = { threshold: 50, scaleFactor: 0.1 } as const;

const date = z.coerce.date().nullable();
/** One table's statistics as a step output stores them (pg_stat_user_tables). */
export const tableStatsSchema = z.object({
  schema: z.string(),
  name: z.string(),
  liveTuples: z.number(),
  deadTuples: z.number(),
  lastVacuum: date,
  lastAutovacuum: date,
  lastAnalyze: date,
  lastAutoanalyze: date,
  vacuumCount: z.number(),
  analyzeCount: z.number(),
});
const outputSchema = z.object({
  tables: z.array(tableStatsSchema),
  connections: z.object({
    byState: z.array(z.object({ state: z.string(), count: z.number() })),
    idleInTransactionOver5m: z.number(),
    serverTotal: z.number(),
    maxConnections: z.number(),
  }),
});

/** Dead tuples as a fraction of all tuples. */
export function deadRatio(t: Pick<TableStats, 'liveTuples' | 'deadTuples'>): number {
  const all = t.liveTuples + t.deadTuples;
  return all === 0 ? 0 : t.deadTuples / all;
}

/** Whether autovacuum, with the guide's settings, should already have vacuumed this table. */
export function pastAutovacuumTrigger(t: Pick<TableStats, 'liveTuples' | 'deadTuples'>): boolean {
  return t.deadTuples > autovacuumTrigger.threshold + autovacuumTrigger.scaleFactor * t.liveTuples;
}

/** One table as a detail line. */
export function tableStatsLine(t: TableStats): string {
  return [
    `${t.schema}.${t.name}`,
    `live ${formatCount(t.liveTuples)}`,
    `dead ${formatCount(t.deadTuples)} (${formatPercent(deadRatio(t) * 100)})`,
    `vacuum ${formatWhen(t.lastVacuum)}`,
    `autovacuum ${formatWhen(t.lastAutovacuum)}`,
    `analyze ${formatWhen(t.lastAnalyze)}`,
    `autoanalyze ${formatWhen(t.lastAutoanalyze)}`,
  ].join(' · ');
}

/** The THERMALIQ guide's "Review Statistics": dead tuples and vacuum/analyze times per table, and connections. */
export const dbStatsRunbook: Runbook<DbStatsParams> = oneStepRead({
  name: 'db stats',
  summary: 'Table statistics (live/dead tuples, last vacuum and analyze) and connections by state',
  usage: 'db stats [--limit N] [--env NAME]',
  examples: ['db stats', 'db stats --limit 50 --env staging'],
  params,
  reads: 'database',
  step: { name: 'stats', title: 'Read table and connection statistics', timeoutMs: 60_000 },
  async read(ctx) {
    return withTargetDb(ctx, {}, async (s) => ({
      tables: await topTablesByDeadTuples(s, ctx.params.limit),
      connections: await connectionsByState(s),
    }));
  },
  report(target, p, outputs) {
    const o = outputSchema.parse(outputs.stats);
    const c = o.connections;
    const pct = c.maxConnections > 0 ? (c.serverTotal / c.maxConnections) * 100 : 0;
    const maxPct = target.thresholds.dbConnectionsPercent;
    const due = o.tables.filter(pastAutovacuumTrigger);
    const trigger = `> ${autovacuumTrigger.threshold} + ${autovacuumTrigger.scaleFactor} × live`;
    const items: ProgressItem[] = [
      {
        id: 'connections',
        title: 'Connections (server)',
        status: pct > maxPct ? 'warn' : 'ok',
        value: `${c.serverTotal}/${c.maxConnections} (${formatPercent(pct)})`,
        threshold: `> ${maxPct} % warns`,
        summary: c.byState.map((s) => `${s.state} ${s.count}`).join(', ') || 'no sessions on this database',
      },
      {
        id: 'idle-in-transaction',
        title: 'Idle in transaction > 5 min',
        status: c.idleInTransactionOver5m > 0 ? 'warn' : 'ok',
        value: String(c.idleInTransactionOver5m),
        threshold: '> 0 warns (holds back VACUUM)',
      },
      {
        id: 'dead-tuples',
        title: 'Tables past the autovacuum trigger',
        status: due.length > 0 ? 'warn' : 'ok',
        value: String(due.length),
        threshold: `dead ${trigger}`,
        summary: due.length > 0 ? `run db vacuum on ${due.map((t) => `${t.schema}.${t.name}`).join(', ')}` : undefined,
      },
      ...o.tables
        .filter((t) => t.deadTuples > 0)
        .slice(0, 10)
        .map<ProgressItem>((t) => ({
          id: `table:${t.schema}.${t.name}`,
          title: `${t.schema}.${t.name}`,
          status: pastAutovacuumTrigger(t) ? 'warn' : 'ok',
          value: `${formatCount(t.deadTuples)} dead (${formatPercent(deadRatio(t) * 100)})`,
          threshold: trigger,
          summary: `last autovacuum ${formatWhen(t.lastAutovacuum)}`,
        })),
    ];
    const status: ReportStatus = items.some((i) => i.status === 'warn') ? 'warn' : 'ok';
    return {
      status,
      headline:
        `Database statistics of ${target.service.displayName} (${target.environment}): ` +
        `${due.length} of ${countOf(o.tables.length, 'table')} past the autovacuum trigger, ${c.serverTotal}/${c.maxConnections} connections`,
      items,
      details: [
        {
          title: `Tables, most dead tuples first (top ${p.limit})`,
          lines: o.tables.length > 0 ? o.tables.map(tableStatsLine) : ['No user tables.'],
        },
        { title: 'Connections on this database by state', lines: c.byState.map((s) => `${s.state}: ${s.count}`) },
      ],
    };
  },
});
