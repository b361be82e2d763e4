import { z } from 'zod';
import { type MaintenanceKind, runMaintenance } from '../../../infra/pg-maintenance.js';
import { statsOfTables, topTablesByDeadTuples } from '../../../infra/pg-stats.js';
import { indexSizes, qualifiedName } from '../../../infra/pg-tables.js';
import type { Runbook } from '../../runbook.js';
import { stepProgress } from '../../step-progress.js';
import { requireDatabaseUrl } from '../backup/backup-context.js';
import { argsAsParams, requireTable, tableParam, targetFailure, withTargetDb } from './db-context.js';
import { maintenanceReport } from './db-maintenance-report.js';

const params = z.object({ table: tableParam.optional() }).strict();
/** `db analyze|vacuum|reindex [table]`: one table, or the whole database when none is named. */
export type TableMaintenanceParams = z.infer<typeof params>;

/** Tables shown before and after a whole-database run. */
const wholeDatabaseTables = 20;
/** VERBOSE lines kept for the thread; the rest are counted. */
const maxOutputLines = 200;
/**
 * ANALYZE, VACUUM and REINDEX CONCURRENTLY take SHARE UPDATE EXCLUSIVE, which blocks neither reads nor writes; a
 * minute of waiting for another VACUUM or DDL is fine, longer means something else needs a look first.
 */
const lockTimeoutMs = 60_000;

/** What each command is called and how long it may run. */
interface MaintenanceSpec {
  name: string;
  kind: Exclude<MaintenanceKind, 'vacuum-full'>;
  summary: string;
  title: string;
  examples: string[];
  timeoutMs: number;
}

/** A change runbook that runs one of the guide's maintenance commands and shows its effect in pg_stat_user_tables. */
export function tableMaintenanceRunbook(spec: MaintenanceSpec): Runbook<TableMaintenanceParams> {
  const steps = [{ name: 'maintain', title: spec.title }] as const;
  return {
    name: spec.name,
    summary: spec.summary,
    usage: `${spec.name} [schema.table] [--env NAME]`,
    examples: spec.examples,
    risk: 'change',
    minRole: 'operator',
    params,
    parseArgs: (args, flags) => argsAsParams(args, flags, ['table']),
    initialProgress: () => stepProgress(steps),
    async validate(ctx, p) {
      requireDatabaseUrl(ctx.target);
      const table = p.table;
      if (table !== undefined) await withTargetDb(ctx, { statementTimeoutMs: 1_000 }, (s) => requireTable(s, table));
    },
    steps: [
      {
        ...steps[0],
        timeoutMs: spec.timeoutMs,
        // Running ANALYZE, VACUUM or REINDEX twice is harmless.
        idempotent: true,
        async run(ctx) {
          const url = requireDatabaseUrl(ctx.target);
          const tableArg = ctx.params.table;
          const before = await withTargetDb(ctx, {}, async (s) => {
            // Resolved again: the table may have gone since the command was accepted.
            const table = tableArg === undefined ? undefined : await requireTable(s, tableArg);
            const stats = table
              ? await statsOfTables(s, [qualifiedName(table)])
              : await topTablesByDeadTuples(s, wholeDatabaseTables);
            const tables = table ? [table] : stats.map((t) => ({ schema: t.schema, name: t.name }));
            const indexes = spec.kind === 'reindex' ? await indexSizes(s, { tables, limit: 100 }) : [];
            return { table, stats, indexes };
          });
          const target = before.table ? qualifiedName(before.table) : 'the whole database';
          ctx.progress(stepProgress(steps, 'maintain', `${spec.kind.toUpperCase()} ${target}`));
          const outcome = await runMaintenance(url, {
            kind: spec.kind,
            table: before.table,
            lockTimeoutMs,
            maxOutputLines,
            signal: ctx.signal,
          }).catch((err: unknown) => {
            throw targetFailure(err, ctx.signal);
          });
          const names = before.stats.map(qualifiedName);
          const after = await withTargetDb(ctx, {}, async (s) => ({
            stats: await statsOfTables(s, names),
            indexes:
              spec.kind === 'reindex'
                ? await indexSizes(s, {
                    tables: before.stats.map((t) => ({ schema: t.schema, name: t.name })),
                    limit: 100,
                  })
                : [],
          }));
          return {
            kind: spec.kind,
            table: before.table ? qualifiedName(before.table) : null,
            ...outcome,
            before: { stats: before.stats, indexes: before.indexes },
            after,
          };
        },
      },
    ],
    report(target, _p, outputs) {
      return maintenanceReport(target, spec.title, outputs.maintain);
    },
  };
}
