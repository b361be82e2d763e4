import pg from 'pg';
import { z } from 'zod';
import { messageOf } from '../errors.js';
import { abortable } from './abortable.js';
import { parsePgUrl, pgLabel } from './pg-connection.js';

/** The target database as a plan shows it. */
export interface DatabaseFacts {
  name: string;
  host: string;
  port: string;
  /** pg_database_size in bytes. */
  sizeBytes: number;
}

const sizeRow = z.object({ name: z.string(), size: z.coerce.number().int().nonnegative() });

/** Runs `work` on a fresh connection that is closed afterwards, or destroyed when the signal aborts. */
async function withClient<T>(url: string, signal: AbortSignal | undefined, work: (c: pg.Client) => Promise<T>) {
  signal?.throwIfAborted();
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: 10_000,
    application_name: 'chatops-bot',
  });
  // A server that drops the connection emits here; without a listener it would crash the process.
  client.on('error', () => {});
  const label = pgLabel(parsePgUrl(url));
  try {
    await abortable(client.connect(), signal, () => client.connection.stream.destroy());
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    throw new Error(`Cannot connect to ${label}: ${messageOf(err)}`);
  }
  try {
    return await abortable(work(client), signal, () => client.connection.stream.destroy());
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    throw new Error(`Query on ${label} failed: ${messageOf(err)}`);
  } finally {
    await client.end().catch(() => {});
  }
}

/** The database's name, host and size on disk. */
export async function databaseFacts(url: string, signal?: AbortSignal): Promise<DatabaseFacts> {
  const conn = parsePgUrl(url);
  const row = await withClient(url, signal, async (c) => {
    const result = await c.query('SELECT current_database() AS name, pg_database_size(current_database()) AS size');
    return sizeRow.parse(result.rows[0]);
  });
  return { name: row.name, host: conn.host, port: conn.port, sizeBytes: row.size };
}

/**
 * Runs one read-only query that returns one number (e.g. `SELECT count(*) FROM tenants`). It runs in a READ ONLY
 * transaction with a statement timeout, so a configured verification query can neither write nor hang.
 */
export async function queryNumber(url: string, sql: string, signal?: AbortSignal): Promise<number> {
  return withClient(url, signal, async (c) => {
    await c.query('BEGIN READ ONLY');
    await c.query("SET LOCAL statement_timeout = '60s'");
    const result = await c.query({ text: sql, rowMode: 'array' });
    await c.query('COMMIT');
    const first: unknown = result.rows[0]?.[0];
    const value = z.coerce.number().finite().safeParse(first);
    if (first === null || first === undefined || !value.success) {
      throw new Error(`expected one number, got ${first === undefined ? 'no rows' : JSON.stringify(first)}`);
    }
    return value.data;
  });
}
