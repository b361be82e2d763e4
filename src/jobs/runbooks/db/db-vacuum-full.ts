import { z } from 'zod';
import { messageOf, UserError } from '../../../errors.js';
import { countOf } from '../../../format/words.js';
import { parsePgUrl } from '../../../infra/pg-connection.js';
import { currentDatabase, runMaintenance } from '../../../infra/pg-maintenance.js';
import { countUserTables, findTable, qualifiedName, type TableSize, tableSizes } from '../../../infra/pg-tables.js';
import { scrubSecrets } from '../../../log.js';
import { formatBytes, formatCount, formatSeconds } from '../../health/checks/format.js';
import type { Plan } from '../../plan.js';
import type { ProgressItem } from '../../report.js';
import type { Runbook, RunbookContext } from '../../runbook.js';
import { stepProgress } from '../../step-progress.js';
import { requireDatabaseUrl } from '../backup/backup-context.js';
import { argsAsParams, requireTable, splitTableName, tableParam, withTargetDb } from './db-context.js';

const params = z.object({ table: tableParam.optional() }).strict();
type VacuumFullParams = z.infer<typeof params>;

const steps = [{ name: 'vacuum-full', title: 'VACUUM FULL' }] as const;

/** Without a table argument, at most this many tables: a longer list is not something to approve at a glance. */
export const maxVacuumFullTables = 100;
/** VACUUM FULL waits at most this long for its ACCESS EXCLUSIVE lock; while it waits, every reader queues behind it. */
const lockTimeoutMs = 10_000;

/** What a VACUUM FULL approval is bound to: the database and exactly these tables. */
const vacuumFullMaterial = z.object({
  database: z.object({ host: z.string(), port: z.string(), name: z.string() }),
  tables: z.array(z.string()),
});

const outputSchema = z.object({
  tables: z.array(
    z.object({
      table: z.string(),
      outcome: z.enum(['done', 'gone', 'failed']),
      beforeBytes: z.number().optional(),
      afterBytes: z.number().optional(),
      durationMs: z.number().optional(),
      error: z.string().optional(),
    }),
  ),
});

function sizeLine(t: TableSize): string {
  return `${qualifiedName(t)} · ${formatBytes(t.totalBytes)} · ${formatCount(t.liveTuples)} live, ${formatCount(t.deadTuples)} dead tuples`;
}

async function planVacuumFull(ctx: RunbookContext, p: VacuumFullParams): Promise<Plan> {
  const url = requireDatabaseUrl(ctx.target);
  const conn = parsePgUrl(url);
  const { database, sizes } = await withTargetDb(ctx, {}, async (s) => {
    const named = p.table === undefined ? undefined : [await requireTable(s, p.table)];
    return {
      database: await currentDatabase(s),
      sizes: await tableSizes(s, { tables: named, limit: maxVacuumFullTables + 1 }),
    };
  });
  if (sizes.length > maxVacuumFullTables) {
    throw new UserError(
      'invalid_arguments',
      `${database} has more than ${maxVacuumFullTables} tables; name the table to rewrite (db vacuum-full schema.table).`,
    );
  }
  const total = sizes.reduce((n, t) => n + t.totalBytes, 0);
  const largest = sizes.reduce((n, t) => Math.max(n, t.totalBytes), 0);
  const names = sizes.map(qualifiedName).sort();
  return {
    summary: `VACUUM FULL ${countOf(sizes.length, 'table')} in ${database} on ${conn.host} (${formatBytes(total)}): each is locked while it is rewritten`,
    fields: [
      { label: 'Database', value: `${database} on ${conn.host}:${conn.port}` },
      {
        label: 'Tables',
        value:
          sizes.length > 0
            ? sizes.slice(0, 15).map(sizeLine).join('\n') +
              (sizes.length > 15 ? `\n… and ${sizes.length - 15} more (thread)` : '')
            : 'none',
      },
      {
        label: 'Lock',
        value: `ACCESS EXCLUSIVE on each table while it is rewritten: reads and writes of that table wait. Gives up on a table whose lock is not granted within ${lockTimeoutMs / 1000} s.`,
      },
      { label: 'Disk', value: `Needs free space for a copy of the largest table: ${formatBytes(largest)}` },
    ],
    steps: names.map((n) => `VACUUM (FULL, VERBOSE) ${n}`),
    material: { database: { host: conn.host, port: conn.port, name: database }, tables: names },
    details: [{ title: `Tables (${sizes.length}), largest first`, lines: sizes.map(sizeLine) }],
  };
}

/** The guide's monthly "Full vacuum (requires downtime)": rewrites tables to return their bloat to the OS. */
export const dbVacuumFullRunbook: Runbook<VacuumFullParams> = {
  name: 'db vacuum-full',
  summary: 'VACUUM FULL a table (or every table): returns bloat to the OS, but locks each table while rewriting it',
  usage: 'db vacuum-full [schema.table] [--env NAME] [--dry-run]',
  examples: ['db vacuum-full public.energy_readings', 'db vacuum-full --dry-run'],
  risk: 'destructive',
  minRole: 'operator',
  params,
  parseArgs: (args, flags) => argsAsParams(args, flags, ['table']),
  initialProgress: () => stepProgress(steps),
  async validate(ctx, p) {
    requireDatabaseUrl(ctx.target);
    const table = p.table;
    await withTargetDb(ctx, { statementTimeoutMs: 1_000 }, async (s) => {
      if (table !== undefined) await requireTable(s, table);
      else if ((await countUserTables(s)) > maxVacuumFullTables) {
        throw new UserError(
          'invalid_arguments',
          `The database has more than ${maxVacuumFullTables} tables; name the table to rewrite (db vacuum-full schema.table).`,
        );
      }
    });
  },
  plan: (ctx, p) => planVacuumFull(ctx, p),
  steps: [
    {
      ...steps[0],
      timeoutMs: 4 * 60 * 60_000,
      destructive: true,
      // Rewriting a table again only costs time: a repeat after a crash is safe.
      idempotent: true,
      async run(ctx) {
        if (!ctx.plan) throw new Error('db vacuum-full ran without its approved plan');
        const m = vacuumFullMaterial.parse(ctx.plan.material);
        const url = requireDatabaseUrl(ctx.target);
        const conn = parsePgUrl(url);
        if (conn.host !== m.database.host || conn.port !== m.database.port || conn.database !== m.database.name) {
          throw new Error(`the configured database is no longer ${m.database.name} on ${m.database.host}, as approved`);
        }
        const results: z.infer<typeof outputSchema>['tables'] = [];
        for (const [i, name] of m.tables.entries()) {
          ctx.progress(stepProgress(steps, 'vacuum-full', `${i + 1}/${m.tables.length}: ${name}`));
          const before = await withTargetDb(ctx, {}, async (s) => {
            const table = await findTable(s, splitTableName(name));
            return table ? (await tableSizes(s, { tables: [table], limit: 1 }))[0] : undefined;
          });
          if (!before) {
            results.push({ table: name, outcome: 'gone' });
            continue;
          }
          try {
            const done = await runMaintenance(url, {
              kind: 'vacuum-full',
              table: before,
              lockTimeoutMs,
              maxOutputLines: 20,
              signal: ctx.signal,
            });
            const after = await withTargetDb(ctx, {}, (s) => tableSizes(s, { tables: [before], limit: 1 }));
            results.push({
              table: name,
              outcome: 'done',
              beforeBytes: before.totalBytes,
              afterBytes: after[0]?.totalBytes,
              durationMs: done.durationMs,
            });
          } catch (err) {
            if (ctx.signal.aborted) throw err;
            results.push({
              table: name,
              outcome: 'failed',
              beforeBytes: before.totalBytes,
              error: scrubSecrets(messageOf(err)),
            });
          }
        }
        return { tables: results };
      },
    },
  ],
  report(target, _p, outputs) {
    const o = outputSchema.parse(outputs['vacuum-full']);
    const done = o.tables.filter((t) => t.outcome === 'done');
    const failed = o.tables.filter((t) => t.outcome === 'failed');
    const reclaimed = done.reduce((n, t) => n + Math.max(0, (t.beforeBytes ?? 0) - (t.afterBytes ?? 0)), 0);
    const line = (t: (typeof o.tables)[number]) =>
      t.outcome === 'done'
        ? `${formatBytes(t.beforeBytes ?? 0)} → ${formatBytes(t.afterBytes ?? 0)} in ${formatSeconds((t.durationMs ?? 0) / 1000)}`
        : t.outcome === 'gone'
          ? 'no longer exists; skipped'
          : `failed: ${t.error ?? '?'}`;
    const items: ProgressItem[] = o.tables.slice(0, 20).map((t) => ({
      id: t.table,
      title: t.table,
      status: t.outcome === 'done' ? 'ok' : t.outcome === 'gone' ? 'skipped' : 'fail',
      value: line(t),
    }));
    return {
      status: failed.length === 0 ? 'ok' : done.length > 0 ? 'warn' : 'fail',
      headline:
        `VACUUM FULL on ${target.service.displayName} (${target.environment}): ${done.length} of ${countOf(o.tables.length, 'table')} rewritten, ` +
        `${formatBytes(reclaimed)} returned to the OS${failed.length > 0 ? `; ${failed.length} failed` : ''}`,
      items,
      details: [{ title: 'Tables: size before → after', lines: o.tables.map((t) => `${t.table} · ${line(t)}`) }],
    };
  },
};
