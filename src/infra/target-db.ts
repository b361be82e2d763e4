import pg from 'pg';
import { z } from 'zod';
import { messageOf } from '../errors.js';
import { abortable } from './abortable.js';

/** Connections to the service's database versus the server's limit. */
export interface ConnectionStats {
  database: string;
  /** Backends connected to this database (pg_stat_activity). */
  connections: number;
  /** The server's max_connections. */
  maxConnections: number;
}

/** The service's own PostgreSQL database (not the bot's state store). */
export interface TargetDatabase {
  /** host:port/database, without credentials, for messages. */
  readonly label: string;
  connectionStats(opts?: { signal?: AbortSignal }): Promise<ConnectionStats>;
  close(): Promise<void>;
}

/** Bounds on how long the bot waits for the target database. */
export interface TargetDatabaseOptions {
  connectTimeoutMs?: number;
  statementTimeoutMs?: number;
}

const statsRow = z.object({
  database: z.string(),
  connections: z.coerce.number().int(),
  max_connections: z.coerce.number().int().positive(),
});

function labelOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return 'the target database';
  }
}

/** A small pool on the target database; an unreachable server fails within the connect timeout. */
export function createTargetDatabase(url: string, opts: TargetDatabaseOptions = {}): TargetDatabase {
  const label = labelOf(url);
  // Clients still in their handshake. pg cannot cancel a connect, but destroying its socket ends it at once.
  const handshaking = new Set<pg.Client>();
  class TrackedClient extends pg.Client {
    constructor(config?: string | pg.ClientConfig) {
      super(config);
      handshaking.add(this);
      const settled = () => handshaking.delete(this);
      this.once('connect', settled);
      this.once('end', settled);
    }
  }
  const dropHandshake = (client: pg.Client | undefined) => {
    if (client && handshaking.delete(client)) client.connection.stream.destroy();
  };
  const pool = new pg.Pool({
    Client: TrackedClient,
    connectionString: url,
    // A health check needs one connection; two leave room for a runbook step running beside it.
    max: 2,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 5_000,
    statement_timeout: opts.statementTimeoutMs ?? 5_000,
    idleTimeoutMillis: 10_000,
    allowExitOnIdle: true,
    application_name: 'chatops-bot',
  });
  // An idle connection dropped by the server emits here; without a listener it would crash the process.
  pool.on('error', () => {});

  async function query(sql: string, signal: AbortSignal | undefined): Promise<unknown[]> {
    signal?.throwIfAborted();
    const before = new Set(handshaking);
    const connecting = pool.connect();
    // The pool creates the client for this call synchronously (unless it is full and the call queues).
    const mine = [...handshaking].find((c) => !before.has(c));
    let client: pg.PoolClient;
    try {
      client = await abortable(connecting, signal, () => dropHandshake(mine));
    } catch (err) {
      // If the connection arrives after an abort, drop it instead of leaking it.
      connecting.then(
        (late) => late.release(true),
        () => {},
      );
      if (signal?.aborted) throw signal.reason;
      throw new Error(`Cannot connect to ${label}: ${messageOf(err)}`);
    }
    let released = false;
    const release = (destroy: boolean) => {
      if (released) return;
      released = true;
      client.release(destroy);
    };
    try {
      // On abort, destroying the connection is the only way pg stops waiting for the answer.
      const result = await abortable(client.query(sql), signal, () => release(true));
      release(false);
      return result.rows;
    } catch (err) {
      release(true);
      if (signal?.aborted) throw signal.reason;
      throw new Error(`Query on ${label} failed: ${messageOf(err)}`);
    }
  }

  return {
    label,
    async connectionStats(callOpts = {}) {
      const rows = await query(
        `SELECT current_database() AS database,
                (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()) AS connections,
                current_setting('max_connections') AS max_connections`,
        callOpts.signal,
      );
      const row = statsRow.parse(rows[0]);
      return { database: row.database, connections: row.connections, maxConnections: row.max_connections };
    },
    async close() {
      // A connect to a server that never answers would otherwise hold end() until the connect timeout.
      for (const client of [...handshaking]) dropHandshake(client);
      await pool.end();
    },
  };
}
