import { z } from 'zod';
import { type PgSession, withPgSession } from './pg-session.js';
import { quotedTable, type TableRef } from './pg-tables.js';

/** The maintenance commands of the THERMALIQ guide's "Database Maintenance" section. */
export type MaintenanceKind = 'analyze' | 'vacuum' | 'reindex' | 'vacuum-full';

/** What a maintenance command printed and how long it took. */
export interface MaintenanceOutcome {
  statement: string;
  /** The first VERBOSE lines (INFO/NOTICE messages), bounded. */
  output: string[];
  /** How many lines there were in all. */
  outputLines: number;
  durationMs: number;
}

/**
 * The statement for one table, or for the whole database when `table` is undefined, as the guide writes it:
 * `ANALYZE VERBOSE`, `VACUUM (VERBOSE, ANALYZE)`, `REINDEX TABLE CONCURRENTLY` (VERBOSE added, for the report) and
 * `VACUUM FULL`. Identifiers come from pg_catalog and are quoted by the driver; nothing typed by a user is in here.
 */
export function maintenanceStatement(
  session: Pick<PgSession, 'ident'>,
  kind: MaintenanceKind,
  target: { table?: Pick<TableRef, 'schema' | 'name'>; database: string },
): string {
  const table = target.table ? ` ${quotedTable(session, target.table)}` : '';
  switch (kind) {
    case 'analyze':
      return `ANALYZE VERBOSE${table}`;
    case 'vacuum':
      return `VACUUM (VERBOSE, ANALYZE)${table}`;
    case 'reindex':
      return target.table
        ? `REINDEX (VERBOSE) TABLE CONCURRENTLY${table}`
        : `REINDEX (VERBOSE) DATABASE CONCURRENTLY ${session.ident(target.database)}`;
    case 'vacuum-full':
      if (!target.table) throw new Error('VACUUM FULL runs table by table, on the approved list');
      return `VACUUM (FULL, VERBOSE)${table}`;
  }
}

/** The database the session is connected to. */
export async function currentDatabase(session: PgSession): Promise<string> {
  const [row] = await session.rows(z.object({ name: z.string() }), 'SELECT current_database() AS name');
  if (!row) throw new Error('current_database() returned no row');
  return row.name;
}

/**
 * Runs one maintenance command on its own connection. There is no statement timeout (the step's timeout bounds it
 * and cancels it on the server), but a lock timeout: VACUUM FULL waiting for its ACCESS EXCLUSIVE lock would queue
 * every reader of the table behind it, so it must give up quickly instead.
 */
export async function runMaintenance(
  url: string,
  opts: {
    kind: MaintenanceKind;
    table?: Pick<TableRef, 'schema' | 'name'>;
    lockTimeoutMs: number;
    maxOutputLines: number;
    signal: AbortSignal;
  },
): Promise<MaintenanceOutcome> {
  const output: string[] = [];
  let outputLines = 0;
  return withPgSession(
    url,
    {
      signal: opts.signal,
      statementTimeoutMs: 0,
      lockTimeoutMs: opts.lockTimeoutMs,
      onNotice(message) {
        outputLines += 1;
        if (output.length < opts.maxOutputLines) output.push(message.replace(/\s+/g, ' ').trim());
      },
    },
    async (session) => {
      const database = await currentDatabase(session);
      const statement = maintenanceStatement(session, opts.kind, { table: opts.table, database });
      const started = performance.now();
      await session.client.query(statement);
      return { statement, output, outputLines, durationMs: Math.round(performance.now() - started) };
    },
  );
}
