import { z } from 'zod';
import { countOf } from '../../../format/words.js';
import { formatBytes, formatCount, formatSeconds } from '../../health/checks/format.js';
import type { ProgressItem, RunReport } from '../../report.js';
import type { RunTarget } from '../../runbook.js';
import { formatWhen } from './db-context.js';
import { tableStatsSchema } from './db-stats.js';

const stats = tableStatsSchema;
const index = z.object({ schema: z.string(), table: z.string(), index: z.string(), sizeBytes: z.number() });
const outputSchema = z.object({
  kind: z.enum(['analyze', 'vacuum', 'reindex']),
  table: z.string().nullable(),
  statement: z.string(),
  output: z.array(z.string()),
  outputLines: z.number(),
  durationMs: z.number(),
  before: z.object({ stats: z.array(stats), indexes: z.array(index) }),
  after: z.object({ stats: z.array(stats), indexes: z.array(index) }),
});
type Stats = z.infer<typeof stats>;
type Output = z.infer<typeof outputSchema>;

const key = (t: { schema: string; name: string }) => `${t.schema}.${t.name}`;
/** Items per report; the thread has every table. */
const maxItems = 10;

function analyzeItem(b: Stats, a: Stats | undefined): ProgressItem {
  const done = a !== undefined && a.analyzeCount > b.analyzeCount;
  return {
    id: key(b),
    title: key(b),
    status: done ? 'ok' : 'warn',
    value: `analyze_count ${b.analyzeCount} → ${a?.analyzeCount ?? '?'}`,
    summary: done ? `last_analyze ${formatWhen(a.lastAnalyze)}` : 'not visible in pg_stat_user_tables',
  };
}

function vacuumItem(b: Stats, a: Stats | undefined): ProgressItem {
  const vacuumed = a !== undefined && a.vacuumCount > b.vacuumCount;
  const left = a?.deadTuples ?? b.deadTuples;
  return {
    id: key(b),
    title: key(b),
    status: vacuumed && left === 0 ? 'ok' : 'warn',
    value: `dead tuples ${formatCount(b.deadTuples)} → ${a ? formatCount(a.deadTuples) : '?'}`,
    summary: !vacuumed
      ? 'not visible in pg_stat_user_tables'
      : left > 0
        ? `${formatCount(left)} dead tuples are not removable yet: an older open transaction can still see them`
        : `last_vacuum ${formatWhen(a.lastVacuum)}`,
  };
}

function reindexItems(o: Output): ProgressItem[] {
  const after = new Map(o.after.indexes.map((i) => [`${i.schema}.${i.index}`, i]));
  return o.before.indexes.map((b) => {
    const a = after.get(`${b.schema}.${b.index}`);
    return {
      id: `${b.schema}.${b.index}`,
      title: `${b.schema}.${b.index} on ${b.table}`,
      status: a ? 'ok' : 'warn',
      value: `${formatBytes(b.sizeBytes)} → ${a ? formatBytes(a.sizeBytes) : 'gone'}`,
    };
  });
}

function effect(o: Output): string {
  const sum = (xs: { sizeBytes: number }[]) => xs.reduce((n, x) => n + x.sizeBytes, 0);
  const dead = (xs: Stats[]) => xs.reduce((n, x) => n + x.deadTuples, 0);
  switch (o.kind) {
    case 'analyze':
      return `statistics refreshed for ${countOf(o.after.stats.filter((a) => o.before.stats.some((b) => key(b) === key(a) && a.analyzeCount > b.analyzeCount)).length, 'table')}`;
    case 'vacuum':
      return `dead tuples ${formatCount(dead(o.before.stats))} → ${formatCount(dead(o.after.stats))}`;
    case 'reindex':
      return `index size ${formatBytes(sum(o.before.indexes))} → ${formatBytes(sum(o.after.indexes))}`;
  }
}

/** The report of `db analyze|vacuum|reindex`: the statement, its effect per table, and the VERBOSE output. */
export function maintenanceReport(target: RunTarget, title: string, raw: unknown): RunReport {
  const o = outputSchema.parse(raw);
  const after = new Map(o.after.stats.map((a) => [key(a), a]));
  let items: ProgressItem[];
  if (o.kind === 'reindex') items = reindexItems(o);
  else items = o.before.stats.map((b) => (o.kind === 'analyze' ? analyzeItem : vacuumItem)(b, after.get(key(b))));
  const shown = items.slice(0, maxItems);
  const where = `${target.service.displayName} (${target.environment})`;
  const took = formatSeconds(o.durationMs / 1000);
  const tableLines = o.before.stats.map((b) => {
    const a = after.get(key(b));
    return (
      `${key(b)} · dead ${formatCount(b.deadTuples)} → ${a ? formatCount(a.deadTuples) : '?'} · ` +
      `last_vacuum ${formatWhen(a?.lastVacuum ?? b.lastVacuum)} · last_analyze ${formatWhen(a?.lastAnalyze ?? b.lastAnalyze)}`
    );
  });
  return {
    status: shown.some((i) => i.status === 'warn') ? 'warn' : 'ok',
    headline: `${o.statement} on ${where} finished in ${took}: ${effect(o)}`,
    items: [{ id: 'statement', title, status: 'succeeded', value: took, summary: o.statement }, ...shown],
    details: [
      {
        title: `${o.table ?? 'Whole database'}: before → after`,
        lines: tableLines.length > 0 ? tableLines : ['No user tables.'],
      },
      ...(o.kind === 'reindex'
        ? [
            {
              title: 'Indexes: size before → after',
              lines: reindexItems(o).map((i) => `${i.title} · ${i.value ?? ''}`),
            },
          ]
        : []),
      {
        title:
          o.outputLines > o.output.length
            ? `VERBOSE output (first ${o.output.length} of ${o.outputLines} lines)`
            : 'VERBOSE output',
        lines: o.output.length > 0 ? o.output : ['(none)'],
      },
    ],
  };
}
