import { z } from 'zod';
import { countOf } from '../../../format/words.js';
import { type StatementStats, statementsAvailability, topStatements } from '../../../infra/pg-statements.js';
import { formatCount, formatFraction } from '../../health/checks/format.js';
import type { ProgressItem, RunReport } from '../../report.js';
import type { Runbook } from '../../runbook.js';
import { oneStepRead } from '../one-step-read.js';
import { countParam, withTargetDb } from './db-context.js';

const params = z.object({ limit: countParam(20, 10) }).strict();
type SlowQueriesParams = z.infer<typeof params>;

/** The VCCI guide's slow-query filter: `WHERE mean_exec_time > 1000` (ms). */
export const slowMeanMs = 1000;
/** Query text kept per statement; the rest is cut. */
const maxQueryChars = 300;

const statement = z.object({
  query: z.string(),
  calls: z.number(),
  totalMs: z.number(),
  meanMs: z.number(),
  maxMs: z.number(),
  stddevMs: z.number(),
  sharedBlksHit: z.number(),
  sharedBlksRead: z.number(),
  cacheHitRatio: z.number().nullable(),
});
const outputSchema = z.discriminatedUnion('state', [
  z.object({
    state: z.literal('ready'),
    version: z.string(),
    byMeanTime: z.array(statement),
    byIo: z.array(statement),
  }),
  z.object({ state: z.literal('not_installed'), preloaded: z.boolean(), available: z.boolean(), database: z.string() }),
  z.object({ state: z.literal('not_loaded'), database: z.string() }),
]);

const ms = (v: number) => `${formatCount(v)} ms`;

function timeLine(s: StatementStats): string {
  return `${ms(s.meanMs)} mean · ${ms(s.maxMs)} max · ±${ms(s.stddevMs)} · ${countOf(s.calls, 'call')} · ${ms(s.totalMs)} total · ${s.query}`;
}

function ioLine(s: StatementStats): string {
  const hit = s.cacheHitRatio === null ? 'n/a' : formatFraction(s.cacheHitRatio);
  return `${countOf(s.sharedBlksRead, 'block')} read · ${formatCount(s.sharedBlksHit)} hit · cache hit ${hit} · ${countOf(s.calls, 'call')} · ${s.query}`;
}

/** What to do when the extension cannot be read, in the guide's words plus the step it leaves out. */
function enableSteps(database: string, preloaded: boolean): string[] {
  return [
    ...(preloaded
      ? []
      : [
          "1. Add pg_stat_statements to shared_preload_libraries (postgresql.conf, or ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'; keep any libraries already listed).",
          '2. Restart PostgreSQL: the library loads only at server start.',
        ]),
    `${preloaded ? '1' : '3'}. In ${database}: CREATE EXTENSION IF NOT EXISTS pg_stat_statements;`,
  ];
}

function unavailableReport(headline: string, steps: string[], item: ProgressItem): RunReport {
  return {
    status: 'warn',
    headline,
    items: [item],
    details: [{ title: 'How to enable pg_stat_statements', lines: steps }],
  };
}

/** The VCCI guide's "Analyze Slow Queries": pg_stat_statements by mean time and by I/O. */
export const dbSlowQueriesRunbook: Runbook<SlowQueriesParams> = oneStepRead({
  name: 'db slow-queries',
  summary: 'The slowest statements by mean time and the heaviest by I/O, from pg_stat_statements',
  usage: 'db slow-queries [--limit N] [--env NAME]',
  examples: ['db slow-queries', 'db slow-queries --limit 20 --env staging'],
  params,
  reads: 'database',
  step: { name: 'statements', title: 'Read pg_stat_statements', timeoutMs: 60_000 },
  async read(ctx) {
    return withTargetDb(ctx, {}, async (s) => {
      const database = s.label;
      const availability = await statementsAvailability(s);
      if (availability.state === 'not_installed') return { ...availability, database };
      if (availability.state === 'not_loaded') return { state: 'not_loaded', database };
      const top = await topStatements(s, { schema: availability.schema, limit: ctx.params.limit, maxQueryChars });
      return { state: 'ready', version: availability.version, ...top };
    });
  },
  report(target, p, outputs) {
    const o = outputSchema.parse(outputs.statements);
    const where = `${target.service.displayName} (${target.environment})`;
    if (o.state === 'not_installed') {
      return unavailableReport(
        `pg_stat_statements is not installed in ${o.database}; slow queries cannot be listed until it is enabled`,
        [
          ...(o.available
            ? []
            : ['The extension is not available on the server: install the PostgreSQL contrib package first.']),
          ...enableSteps(o.database, o.preloaded),
        ],
        {
          id: 'pg-stat-statements',
          title: 'pg_stat_statements',
          status: 'warn',
          value: 'not installed',
          summary: o.preloaded
            ? 'the library is preloaded: CREATE EXTENSION pg_stat_statements'
            : 'add it to shared_preload_libraries, restart, then CREATE EXTENSION pg_stat_statements',
        },
      );
    }
    if (o.state === 'not_loaded') {
      return unavailableReport(
        `pg_stat_statements is created in ${o.database} but its library is not loaded; add it to shared_preload_libraries and restart`,
        enableSteps(o.database, false).slice(0, 2),
        {
          id: 'pg-stat-statements',
          title: 'pg_stat_statements',
          status: 'warn',
          value: 'not loaded',
          summary: 'add it to shared_preload_libraries and restart PostgreSQL',
        },
      );
    }
    const slow = o.byMeanTime.filter((s) => s.meanMs > slowMeanMs);
    const items: ProgressItem[] = [
      {
        id: 'slow',
        title: 'Statements slower than 1 s on average',
        status: slow.length > 0 ? 'warn' : 'ok',
        value: String(slow.length),
        threshold: `mean_exec_time > ${formatCount(slowMeanMs)} ms`,
      },
      ...o.byMeanTime.slice(0, 5).map<ProgressItem>((s, i) => ({
        id: `mean:${i}`,
        title: `#${i + 1} by mean time`,
        status: s.meanMs > slowMeanMs ? 'warn' : 'ok',
        value: `${ms(s.meanMs)} × ${formatCount(s.calls)}`,
        summary: s.query.slice(0, 120),
      })),
      ...o.byIo.slice(0, 3).map<ProgressItem>((s, i) => ({
        id: `io:${i}`,
        title: `#${i + 1} by blocks read`,
        status: 'ok',
        value: `${countOf(s.sharedBlksRead, 'block')} read`,
        summary: s.query.slice(0, 120),
      })),
    ];
    return {
      status: slow.length > 0 ? 'warn' : 'ok',
      headline: `Slow queries on ${where}: ${countOf(slow.length, 'statement')} above ${formatCount(slowMeanMs)} ms mean (pg_stat_statements ${o.version})`,
      items,
      details: [
        {
          title: `By mean time (top ${p.limit})`,
          lines: o.byMeanTime.length > 0 ? o.byMeanTime.map(timeLine) : ['None recorded yet.'],
        },
        {
          title: `By I/O: shared blocks read (top ${p.limit})`,
          lines: o.byIo.length > 0 ? o.byIo.map(ioLine) : ['No statement read blocks from outside shared buffers.'],
        },
      ],
    };
  },
});
