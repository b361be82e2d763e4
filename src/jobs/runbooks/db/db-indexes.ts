import { z } from 'zod';
import { countOf } from '../../../format/words.js';
import { seqScanTables, statsSince, unusedIndexes } from '../../../infra/pg-stats.js';
import { formatBytes, formatCount } from '../../health/checks/format.js';
import type { ProgressItem } from '../../report.js';
import type { Runbook } from '../../runbook.js';
import { oneStepRead } from '../one-step-read.js';
import { countParam, formatWhen, withTargetDb } from './db-context.js';

const params = z.object({ limit: countParam(50, 20) }).strict();
type DbIndexesParams = z.infer<typeof params>;

const outputSchema = z.object({
  seqScans: z.array(
    z.object({
      schema: z.string(),
      name: z.string(),
      seqScan: z.number(),
      seqTupRead: z.number(),
      idxScan: z.number(),
      avgSeqRead: z.number(),
      heavy: z.boolean(),
      wide: z.boolean(),
    }),
  ),
  unused: z.array(
    z.object({ schema: z.string(), table: z.string(), index: z.string(), sizeBytes: z.number(), unique: z.boolean() }),
  ),
  statsSince: z.coerce.date().nullable(),
});

const heavyRule = 'seq_scan > 100, seq_tup_read > 10,000, idx_scan < seq_scan';
const wideRule = 'seq_tup_read / seq_scan > 1,000';

/** Both guides' "Identify Missing Indexes" / "Find unused indexes" queries, with sizes. */
export const dbIndexesRunbook: Runbook<DbIndexesParams> = oneStepRead({
  name: 'db indexes',
  summary: 'Tables with heavy sequential scans (missing indexes) and unused non-primary indexes with their sizes',
  usage: 'db indexes [--limit N] [--env NAME]',
  examples: ['db indexes', 'db indexes --env staging'],
  params,
  reads: 'database',
  step: { name: 'indexes', title: 'Read scan and index statistics', timeoutMs: 60_000 },
  async read(ctx) {
    return withTargetDb(ctx, {}, async (s) => ({
      seqScans: await seqScanTables(s, ctx.params.limit),
      unused: await unusedIndexes(s, ctx.params.limit),
      statsSince: await statsSince(s),
    }));
  },
  report(target, _p, outputs) {
    const o = outputSchema.parse(outputs.indexes);
    const unusedBytes = o.unused.reduce((sum, i) => sum + i.sizeBytes, 0);
    const since = o.statsSince ? `since ${formatWhen(o.statsSince)}` : 'since the statistics were created';
    const items: ProgressItem[] = [
      {
        id: 'seq-scans',
        title: 'Tables with heavy sequential scans',
        status: o.seqScans.length > 0 ? 'warn' : 'ok',
        value: String(o.seqScans.length),
        threshold: `${heavyRule}; or ${wideRule}`,
        summary: o.seqScans.length > 0 ? 'candidates for an index' : 'none',
      },
      ...o.seqScans.slice(0, 8).map<ProgressItem>((t) => ({
        id: `seq:${t.schema}.${t.name}`,
        title: `${t.schema}.${t.name}`,
        status: 'warn',
        value: `${countOf(t.seqScan, 'seq scan')}, ${countOf(t.seqTupRead, 'row')} read, ${countOf(t.idxScan, 'index scan')}`,
      })),
      {
        id: 'unused-indexes',
        title: 'Unused non-primary indexes',
        status: o.unused.length > 0 ? 'warn' : 'ok',
        value: `${o.unused.length} (${formatBytes(unusedBytes)})`,
        threshold: `idx_scan = 0 ${since}`,
      },
      ...o.unused.slice(0, 8).map<ProgressItem>((i) => ({
        id: `unused:${i.schema}.${i.index}`,
        title: `${i.schema}.${i.index} on ${i.table}`,
        status: 'warn',
        value: formatBytes(i.sizeBytes),
        summary: i.unique ? 'unique: it enforces a constraint even if never scanned' : 'never scanned',
      })),
    ];
    return {
      status: items.some((i) => i.status === 'warn') ? 'warn' : 'ok',
      headline:
        `Indexes of ${target.service.displayName} (${target.environment}): ${countOf(o.seqScans.length, 'table')} with heavy ` +
        `sequential scans, ${o.unused.length} unused index(es) taking ${formatBytes(unusedBytes)}`,
      items,
      details: [
        {
          title: `Sequential scans (THERMALIQ: ${heavyRule}; VCCI: ${wideRule})`,
          lines:
            o.seqScans.length > 0
              ? o.seqScans.map(
                  (t) =>
                    `${t.schema}.${t.name} · seq_scan ${formatCount(t.seqScan)} · seq_tup_read ${formatCount(t.seqTupRead)} · ` +
                    `idx_scan ${formatCount(t.idxScan)} · avg rows/scan ${formatCount(t.avgSeqRead)} · ` +
                    `matches ${[t.heavy ? 'THERMALIQ' : '', t.wide ? 'VCCI' : ''].filter(Boolean).join(' + ')}`,
                )
              : ['None.'],
        },
        {
          title: `Unused indexes (idx_scan = 0 ${since}; primary keys excluded)`,
          lines:
            o.unused.length > 0
              ? o.unused.map(
                  (i) =>
                    `${i.schema}.${i.index} on ${i.schema}.${i.table} · ${formatBytes(i.sizeBytes)}` +
                    `${i.unique ? ' · UNIQUE (enforces a constraint; keep unless the constraint goes too)' : ''}` +
                    ` · drop with: DROP INDEX CONCURRENTLY ${i.schema}.${i.index};`,
                )
              : ['None.'],
        },
      ],
    };
  },
});
