import pg from 'pg';
import type { z } from 'zod';
import { messageOf, UserError } from '../errors.js';
import { abortable } from './abortable.js';
import { parsePgUrl, pgLabel } from './pg-connection.js';

/** Bounds and hooks of one maintenance session. */
export interface PgSessionOptions {
  signal?: AbortSignal;
  /** Server-side bound on each statement; maintenance commands pass 0 and rely on the step's timeout instead. */
  statementTimeoutMs?: number;
  /** How long a statement may wait for a lock before failing, so a busy table fails clearly instead of queueing. */
  lockTimeoutMs?: number;
  /** Receives NOTICE/INFO messages (VACUUM VERBOSE reports through them). */
  onNotice?(message: string): void;
}

/** A connected session; `rows` validates what a query returned. */
export interface PgSession {
  client: pg.Client;
  /** `host:port/database`, without credentials. */
  label: string;
  /** Runs a query and parses every row with `schema`. */
  rows<T>(schema: z.ZodType<T>, sql: string, params?: unknown[]): Promise<T[]>;
  /** Quotes an identifier with the driver's escapeIdentifier. */
  ident(name: string): string;
}

// Statements run while the request is acked or a step shows progress; reads never need longer than this.
const defaultStatementTimeoutMs = 30_000;

/**
 * Asks the server to cancel the session's running statement. Dropping our socket is not enough: a VACUUM FULL
 * would keep its lock until it next talks to the client, so a cancelled step must cancel on the server.
 */
async function cancelBackend(url: string, pid: number): Promise<void> {
  const admin = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: 5_000,
    application_name: 'chatops-bot',
  });
  admin.on('error', () => {});
  try {
    await admin.connect();
    await admin.query('SELECT pg_cancel_backend($1)', [pid]);
  } catch {
    // Best effort: the socket is dropped anyway, and the server ends the statement when it notices.
  } finally {
    await admin.end().catch(() => {});
  }
}

/**
 * Runs `work` on a fresh connection to the target database that is closed afterwards. When the signal aborts, the
 * running statement is cancelled on the server and the connection dropped. Errors name the database, never the URL.
 */
export async function withPgSession<T>(
  url: string,
  opts: PgSessionOptions,
  work: (session: PgSession) => Promise<T>,
): Promise<T> {
  const { signal } = opts;
  signal?.throwIfAborted();
  const label = pgLabel(parsePgUrl(url));
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: 10_000,
    application_name: 'chatops-bot',
    statement_timeout: opts.statementTimeoutMs ?? defaultStatementTimeoutMs,
    ...(opts.lockTimeoutMs === undefined ? {} : { lock_timeout: opts.lockTimeoutMs }),
  });
  // A server that drops the connection emits here; without a listener it would crash the process.
  client.on('error', () => {});
  if (opts.onNotice) {
    const onNotice = opts.onNotice;
    client.on('notice', (n) => onNotice(n.message ?? ''));
  }
  const drop = () => client.connection.stream.destroy();
  try {
    await abortable(client.connect(), signal, drop);
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    throw new Error(`Cannot connect to ${label}: ${messageOf(err)}`, { cause: err });
  }
  let pid: number | undefined;
  const session: PgSession = {
    client,
    label,
    async rows(schema, sql, params) {
      const result = await client.query(sql, params);
      return result.rows.map((r: unknown) => schema.parse(r));
    },
    ident: (name) => client.escapeIdentifier(name),
  };
  try {
    // A worker that dies mid-statement (SIGKILL, OOM, a forced shutdown handing the job back) leaves its statement
    // running; a lock wait or a quiet ALTER would finish and then run again on the next worker. With this the
    // server checks every second that we are still there and ends the statement when we are not. PostgreSQL 14+,
    // and not on every platform: where it is refused, sessions work as before.
    await client.query('SET client_connection_check_interval = 1000').catch(() => undefined);
    const pidRow = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    pid = pidRow.rows[0]?.pid;
    return await abortable(work(session), signal, () => {
      if (pid !== undefined) void cancelBackend(url, pid).finally(drop);
      else drop();
    });
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    if (err instanceof UserError) throw err;
    throw new Error(`On ${label}: ${messageOf(err)}`);
  } finally {
    // Aborted, the socket is dropped once the cancel is sent; the step does not wait for it. A worker stopping at its
    // deadline has only a moment to unwind, and a connection to send the cancel on can take longer than that. The
    // server ends an abandoned statement by itself (client_connection_check_interval).
    if (signal?.aborted) void client.end().catch(() => {});
    else await client.end().catch(() => {});
  }
}
