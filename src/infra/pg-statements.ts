import { z } from 'zod';
import { messageOf } from '../errors.js';
import type { PgSession } from './pg-session.js';

const num = z.coerce.number();

/** One normalized statement from pg_stat_statements. */
export interface StatementStats {
  query: string;
  calls: number;
  totalMs: number;
  meanMs: number;
  maxMs: number;
  stddevMs: number;
  sharedBlksHit: number;
  sharedBlksRead: number;
  /** shared_blks_hit / (hit + read); null when the statement touched no shared blocks. */
  cacheHitRatio: number | null;
}

/** Whether pg_stat_statements can be read, and if not, why. */
export type StatementsAvailability =
  | { state: 'ready'; schema: string; version: string }
  | { state: 'not_installed'; preloaded: boolean; available: boolean }
  | { state: 'not_loaded'; schema: string };

const row = z.object({
  query: z.string(),
  calls: num,
  total_exec_time: num,
  mean_exec_time: num,
  max_exec_time: num,
  stddev_exec_time: num,
  shared_blks_hit: num,
  shared_blks_read: num,
});

function toStats(r: z.infer<typeof row>): StatementStats {
  const blocks = r.shared_blks_hit + r.shared_blks_read;
  return {
    // Whitespace runs collapse so a statement reads as one line.
    query: r.query.replace(/\s+/g, ' ').trim(),
    calls: r.calls,
    totalMs: r.total_exec_time,
    meanMs: r.mean_exec_time,
    maxMs: r.max_exec_time,
    stddevMs: r.stddev_exec_time,
    sharedBlksHit: r.shared_blks_hit,
    sharedBlksRead: r.shared_blks_read,
    cacheHitRatio: blocks > 0 ? r.shared_blks_hit / blocks : null,
  };
}

/**
 * Is the extension created in this database, and is its library loaded? Reading the view without the library in
 * shared_preload_libraries fails, so that is tried with a cheap query rather than guessed from the setting.
 */
export async function statementsAvailability(session: PgSession): Promise<StatementsAvailability> {
  const [ext] = await session.rows(
    z.object({ schema: z.string(), version: z.string() }),
    `SELECT n.nspname AS schema, e.extversion AS version FROM pg_catalog.pg_extension e
       JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_stat_statements'`,
  );
  if (!ext) {
    const [facts] = await session.rows(
      z.object({ preloaded: z.boolean(), available: z.boolean() }),
      `SELECT 'pg_stat_statements' = ANY (string_to_array(replace(current_setting('shared_preload_libraries'), ' ', ''), ',')) AS preloaded,
              EXISTS (SELECT 1 FROM pg_catalog.pg_available_extensions WHERE name = 'pg_stat_statements') AS available`,
    );
    return { state: 'not_installed', preloaded: facts?.preloaded ?? false, available: facts?.available ?? false };
  }
  try {
    await session.client.query(`SELECT 1 FROM ${session.ident(ext.schema)}.pg_stat_statements LIMIT 1`);
  } catch (err) {
    if (/shared_preload_libraries/.test(messageOf(err))) return { state: 'not_loaded', schema: ext.schema };
    throw err;
  }
  return { state: 'ready', schema: ext.schema, version: ext.version };
}

/**
 * The VCCI guide's two queries, limited to this database: the slowest statements by mean execution time, and those
 * reading the most blocks from outside shared buffers (`shared_blks_read > 0 ORDER BY shared_blks_read DESC`).
 * Query text is cut to `maxQueryChars`; pg_stat_statements has already replaced literals with $n.
 */
export async function topStatements(
  session: PgSession,
  opts: { schema: string; limit: number; maxQueryChars: number },
): Promise<{ byMeanTime: StatementStats[]; byIo: StatementStats[] }> {
  const view = `${session.ident(opts.schema)}.pg_stat_statements`;
  const columns = `left(query, $2) AS query, calls, total_exec_time, mean_exec_time, max_exec_time, stddev_exec_time,
    shared_blks_hit, shared_blks_read`;
  const thisDb = 'dbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())';
  const byMeanTime = await session.rows(
    row,
    `SELECT ${columns} FROM ${view} WHERE ${thisDb} ORDER BY mean_exec_time DESC LIMIT $1`,
    [opts.limit, opts.maxQueryChars],
  );
  const byIo = await session.rows(
    row,
    `SELECT ${columns} FROM ${view} WHERE ${thisDb} AND shared_blks_read > 0 ORDER BY shared_blks_read DESC LIMIT $1`,
    [opts.limit, opts.maxQueryChars],
  );
  return { byMeanTime: byMeanTime.map(toStats), byIo: byIo.map(toStats) };
}
