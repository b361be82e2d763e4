import { z } from 'zod';
import type { PgSession } from './pg-session.js';

const num = z.coerce.number();
const when = z.coerce.date().nullable();

/** One row of pg_stat_user_tables, as the THERMALIQ guide's "Check table statistics" query reads it. */
export interface TableStats {
  schema: string;
  name: string;
  liveTuples: number;
  deadTuples: number;
  lastVacuum: Date | null;
  lastAutovacuum: Date | null;
  lastAnalyze: Date | null;
  lastAutoanalyze: Date | null;
  vacuumCount: number;
  analyzeCount: number;
}

const tableStatsRow = z.object({
  schemaname: z.string(),
  relname: z.string(),
  n_live_tup: num,
  n_dead_tup: num,
  last_vacuum: when,
  last_autovacuum: when,
  last_analyze: when,
  last_autoanalyze: when,
  vacuum_count: num,
  analyze_count: num,
});

const tableStatsColumns = `schemaname, relname, n_live_tup, n_dead_tup, last_vacuum, last_autovacuum,
  last_analyze, last_autoanalyze, vacuum_count, analyze_count`;

function toTableStats(r: z.infer<typeof tableStatsRow>): TableStats {
  return {
    schema: r.schemaname,
    name: r.relname,
    liveTuples: r.n_live_tup,
    deadTuples: r.n_dead_tup,
    lastVacuum: r.last_vacuum,
    lastAutovacuum: r.last_autovacuum,
    lastAnalyze: r.last_analyze,
    lastAutoanalyze: r.last_autoanalyze,
    vacuumCount: r.vacuum_count,
    analyzeCount: r.analyze_count,
  };
}

/** The `limit` tables with the most dead tuples (the guide orders by n_live_tup; dead tuples are what needs action). */
export async function topTablesByDeadTuples(session: PgSession, limit: number): Promise<TableStats[]> {
  const rows = await session.rows(
    tableStatsRow,
    `SELECT ${tableStatsColumns} FROM pg_catalog.pg_stat_user_tables
      ORDER BY n_dead_tup DESC, n_live_tup DESC, schemaname, relname LIMIT $1`,
    [limit],
  );
  return rows.map(toTableStats);
}

/** The statistics of the named tables (`schema.name`), or of every user table when `names` is undefined. */
export async function statsOfTables(session: PgSession, names: readonly string[] | undefined): Promise<TableStats[]> {
  const rows = await session.rows(
    tableStatsRow,
    `SELECT ${tableStatsColumns} FROM pg_catalog.pg_stat_user_tables
      WHERE $1::text[] IS NULL OR schemaname || '.' || relname = ANY ($1)
      ORDER BY n_dead_tup DESC, schemaname, relname LIMIT 1000`,
    [names ?? null],
  );
  return rows.map(toTableStats);
}

/** Sessions on the database by state, the server-wide total, and max_connections. */
export interface ConnectionsByState {
  byState: { state: string; count: number }[];
  /** Sessions idle in a transaction for more than 5 minutes: they hold back VACUUM. */
  idleInTransactionOver5m: number;
  serverTotal: number;
  maxConnections: number;
}

/** pg_stat_activity grouped by state for this database, against the server's max_connections. */
export async function connectionsByState(session: PgSession): Promise<ConnectionsByState> {
  const byState = await session.rows(
    z.object({ state: z.string(), count: num }),
    `SELECT coalesce(state, backend_type) AS state, count(*) AS count FROM pg_catalog.pg_stat_activity
      WHERE datname = current_database() GROUP BY 1 ORDER BY 2 DESC, 1`,
  );
  const [totals] = await session.rows(
    z.object({ server_total: num, max_connections: num, stale_idle_tx: num }),
    `SELECT (SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE backend_type = 'client backend') AS server_total,
            current_setting('max_connections') AS max_connections,
            (SELECT count(*) FROM pg_catalog.pg_stat_activity
              WHERE datname = current_database() AND state LIKE 'idle in transaction%'
                AND state_change < now() - interval '5 minutes') AS stale_idle_tx`,
  );
  return {
    byState,
    idleInTransactionOver5m: totals?.stale_idle_tx ?? 0,
    serverTotal: totals?.server_total ?? 0,
    maxConnections: totals?.max_connections ?? 0,
  };
}

/** A table the guides' "missing indexes" queries flag. */
export interface SeqScanTable {
  schema: string;
  name: string;
  seqScan: number;
  seqTupRead: number;
  idxScan: number;
  /** seq_tup_read / seq_scan: rows read per sequential scan (VCCI's avg_seq_scan). */
  avgSeqRead: number;
  /** Which guide's criterion matched. */
  heavy: boolean;
  wide: boolean;
}

/**
 * Both guides' queries in one pass. THERMALIQ: seq_scan > 100 AND seq_tup_read > 10000 AND idx_scan < seq_scan.
 * VCCI: seq_tup_read / seq_scan > 1000. idx_scan is NULL for a table without indexes, the worst case, so it counts
 * as 0 (the guide's query silently drops those tables).
 */
export async function seqScanTables(session: PgSession, limit: number): Promise<SeqScanTable[]> {
  const rows = await session.rows(
    z.object({
      schemaname: z.string(),
      relname: z.string(),
      seq_scan: num,
      seq_tup_read: num,
      idx_scan: num,
      avg_seq_scan: num,
      heavy: z.boolean(),
      wide: z.boolean(),
    }),
    `SELECT * FROM (
       SELECT schemaname, relname, seq_scan, seq_tup_read, coalesce(idx_scan, 0) AS idx_scan,
              CASE WHEN seq_scan > 0 THEN seq_tup_read / seq_scan ELSE 0 END AS avg_seq_scan,
              (seq_scan > 100 AND seq_tup_read > 10000 AND coalesce(idx_scan, 0) < seq_scan) AS heavy,
              (seq_scan > 0 AND seq_tup_read / seq_scan > 1000) AS wide
         FROM pg_catalog.pg_stat_user_tables) t
      WHERE heavy OR wide
      ORDER BY seq_tup_read DESC LIMIT $1`,
    [limit],
  );
  return rows.map((r) => ({
    schema: r.schemaname,
    name: r.relname,
    seqScan: r.seq_scan,
    seqTupRead: r.seq_tup_read,
    idxScan: r.idx_scan,
    avgSeqRead: r.avg_seq_scan,
    heavy: r.heavy,
    wide: r.wide,
  }));
}

/** An index never scanned since statistics were reset. */
export interface UnusedIndex {
  schema: string;
  table: string;
  index: string;
  sizeBytes: number;
  /** A unique index enforces a constraint even when no query reads it, so dropping it changes behaviour. */
  unique: boolean;
}

/**
 * The guides' unused-index query: idx_scan = 0 and not a primary key, largest first. Primary keys are excluded by
 * pg_index.indisprimary as well as by the guides' `%_pkey` name pattern, which misses keys with other names.
 */
export async function unusedIndexes(session: PgSession, limit: number): Promise<UnusedIndex[]> {
  const rows = await session.rows(
    z.object({ schemaname: z.string(), relname: z.string(), indexrelname: z.string(), size: num, unique: z.boolean() }),
    `SELECT s.schemaname, s.relname, s.indexrelname, pg_catalog.pg_relation_size(s.indexrelid) AS size,
            i.indisunique AS unique
       FROM pg_catalog.pg_stat_user_indexes s JOIN pg_catalog.pg_index i ON i.indexrelid = s.indexrelid
      WHERE s.idx_scan = 0 AND s.indexrelname NOT LIKE '%\\_pkey' AND NOT i.indisprimary
      ORDER BY pg_catalog.pg_relation_size(s.indexrelid) DESC, s.schemaname, s.indexrelname
      LIMIT $1`,
    [limit],
  );
  return rows.map((r) => ({
    schema: r.schemaname,
    table: r.relname,
    index: r.indexrelname,
    sizeBytes: r.size,
    unique: r.unique,
  }));
}

/** When this database's statistics were last reset (null: since the cluster was created), for reading idx_scan = 0. */
export async function statsSince(session: PgSession): Promise<Date | null> {
  const [row] = await session.rows(
    z.object({ stats_reset: when }),
    'SELECT stats_reset FROM pg_catalog.pg_stat_database WHERE datname = current_database()',
  );
  return row?.stats_reset ?? null;
}
