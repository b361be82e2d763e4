import pg from 'pg';

/** Anything that runs a query: the pool, or one client inside a transaction. */
export type Queryable = pg.Pool | pg.PoolClient;

/** The bot's own PostgreSQL: a pool whose connections use the store schema. */
export interface StoreDb {
  pool: pg.Pool;
  schema: string;
  /** Runs `fn` in one transaction on one client; rolls back if it throws. */
  tx<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Opens a pool on the state-store database with `search_path` pinned to the store schema. */
export function openStoreDb(url: string, schema: string, opts: { max?: number } = {}): StoreDb {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`invalid store schema name ${schema}`);
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    // A dead state store must fail a command inside Slack's 3 s ack window, not hang it.
    connectionTimeoutMillis: 2_000,
    idleTimeoutMillis: 30_000,
    query_timeout: 10_000,
    options: `-c search_path=${schema},public`,
  });
  // An idle client erroring (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  return {
    pool,
    schema,
    async tx(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const out = await fn(client);
        await client.query('COMMIT');
        return out;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
