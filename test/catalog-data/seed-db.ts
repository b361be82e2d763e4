import pg from 'pg';
import { waitUntil } from '../support/services.js';

/** Runs statements on a database with one short-lived connection (its statistics are flushed when it closes). */
export async function execSql(url: string, statements: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const s of statements) await client.query(s);
  } finally {
    await client.end();
  }
}

/** One row of pg_stat_user_tables for a table, read fresh. */
export async function tableStats(
  url: string,
  table: string,
): Promise<{
  n_dead_tup: number;
  n_live_tup: number;
  vacuum_count: number;
  analyze_count: number;
  last_vacuum: Date | null;
  last_analyze: Date | null;
}> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const r = await client.query(
      `SELECT n_dead_tup::int, n_live_tup::int, vacuum_count::int, analyze_count::int, last_vacuum, last_analyze
         FROM pg_stat_user_tables WHERE relname = $1`,
      [table],
    );
    const row = r.rows[0];
    if (!row) throw new Error(`no statistics for ${table}`);
    return row;
  } finally {
    await client.end();
  }
}

/**
 * A table whose every row was updated with autovacuum disabled on it: `rows` dead tuples that only a VACUUM removes.
 * Waits until the statistics show them.
 */
export async function seedDeadTuples(url: string, table: string, rows: number): Promise<void> {
  await execSql(url, [
    `CREATE TABLE ${table} (id serial PRIMARY KEY, value int NOT NULL, note text) WITH (autovacuum_enabled = false)`,
    `INSERT INTO ${table} (value, note) SELECT g, repeat('x', 200) FROM generate_series(1, ${rows}) g`,
    `UPDATE ${table} SET value = value + 1`,
  ]);
  await waitUntil(async () => (await tableStats(url, table)).n_dead_tup >= rows, {
    description: `${rows} dead tuples in ${table}`,
  });
}

/**
 * A table with an index no query uses (`<table>_code_idx`), read 101 times by sequential scans of 200 rows: both
 * guides' "missing index" criteria and the unused-index query match it.
 */
export async function seedUnusedIndex(url: string, table: string): Promise<void> {
  const scans = Array.from({ length: 101 }, () => `SELECT count(*) FROM ${table} WHERE payload LIKE '%zz%'`);
  await execSql(url, [
    `CREATE TABLE ${table} (id int PRIMARY KEY, code text NOT NULL, payload text NOT NULL)`,
    `INSERT INTO ${table} SELECT g, 'c' || g, md5(g::text) FROM generate_series(1, 200) g`,
    `CREATE INDEX ${table}_code_idx ON ${table} (code)`,
    ...scans,
  ]);
  await waitUntil(
    async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const r = await client.query('SELECT seq_scan::int AS n FROM pg_stat_user_tables WHERE relname = $1', [table]);
        return (r.rows[0]?.n ?? 0) >= 101;
      } finally {
        await client.end();
      }
    },
    { description: `sequential scans of ${table} in the statistics` },
  );
}

/** The first column of the first row of a query (`... AS v`), as text. */
export async function queryValue(url: string, sql: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const r = await client.query<{ v: string | null }>(sql);
    return r.rows[0]?.v ?? null;
  } finally {
    await client.end();
  }
}
