import pg from 'pg';
import { waitUntil } from './services.js';

/**
 * A table of a target database that a test can lock, so that a maintenance step on it (ANALYZE, VACUUM) waits in
 * PostgreSQL until the test lets go: a step held by a real server, released at a moment the test chooses.
 */
export interface HeldTable {
  /** `schema.name`, as a command names it. */
  readonly name: string;
  /** Takes ACCESS EXCLUSIVE on the table in an open transaction; ANALYZE of it waits until `release`. */
  lock(): Promise<{ release(): Promise<void> }>;
  /** Waits until an `ANALYZE` of the table waits for the lock in a session other than `except`; returns its pid. */
  waitingAnalyze(opts?: { except?: number; timeoutMs?: number }): Promise<number>;
  /** Waits until no session runs or waits in an `ANALYZE` (a session whose client is gone still may). */
  noAnalyzeLeft(timeoutMs?: number): Promise<void>;
  /** How many ANALYZE commands completed on the table (pg_stat_user_tables.analyze_count; autovacuum not counted). */
  analyzeCount(): Promise<number>;
  close(): Promise<void>;
}

/** Creates `public.<table>` with some rows in the database at `url`. */
export async function createHeldTable(url: string, table: string): Promise<HeldTable> {
  if (!/^[a-z_][a-z0-9_]*$/.test(table)) throw new Error(`createHeldTable: ${table} is not a plain identifier`);
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on('error', () => {});
  // No autovacuum: its ANALYZE would not count, but it would queue for the same lock and muddy the waits.
  await pool.query(`CREATE TABLE public.${table} (id int PRIMARY KEY, kw numeric) WITH (autovacuum_enabled = false)`);
  await pool.query(`INSERT INTO public.${table} SELECT g, g * 0.5 FROM generate_series(1, 1000) g`);
  // The statement as the maintenance runbook sends it; VERBOSE or not, so the helper does not depend on that.
  const analyzeOf = `^ANALYZE( VERBOSE)? "public"\\."${table}"$`;

  return {
    name: `public.${table}`,
    async lock() {
      const client = new pg.Client({ connectionString: url });
      client.on('error', () => {});
      await client.connect();
      await client.query('BEGIN');
      await client.query(`LOCK TABLE public.${table} IN ACCESS EXCLUSIVE MODE`);
      let released = false;
      return {
        async release() {
          if (released) return;
          released = true;
          await client.query('COMMIT');
          await client.end();
        },
      };
    },
    async waitingAnalyze(opts = {}) {
      return waitUntil(
        async () => {
          // A fresh statement each time, outside any transaction, so pg_stat_activity is not a cached snapshot.
          const res = await pool.query<{ pid: number }>(
            `SELECT pid FROM pg_stat_activity
              WHERE datname = current_database() AND query ~ $1 AND wait_event_type = 'Lock' AND pid <> $2`,
            [analyzeOf, opts.except ?? 0],
          );
          return res.rows[0]?.pid;
        },
        { timeoutMs: opts.timeoutMs ?? 30_000, description: `an ANALYZE of public.${table} waiting for its lock` },
      );
    },
    async noAnalyzeLeft(timeoutMs = 30_000) {
      await waitUntil(
        async () => {
          const res = await pool.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_stat_activity
              WHERE datname = current_database() AND query ~ $1 AND state = 'active'`,
            [analyzeOf],
          );
          return res.rows[0]?.n === 0;
        },
        { timeoutMs, description: `no ANALYZE of public.${table} left running` },
      );
    },
    async analyzeCount() {
      const res = await pool.query<{ n: number }>(
        `SELECT analyze_count::int AS n FROM pg_stat_user_tables WHERE schemaname = 'public' AND relname = $1`,
        [table],
      );
      const n = res.rows[0]?.n;
      if (n === undefined) throw new Error(`no statistics for public.${table}`);
      return n;
    },
    async close() {
      await pool.end();
    },
  };
}
