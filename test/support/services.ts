import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import pg from 'pg';

/**
 * Admin connection for creating per-test databases. The local PostgreSQL trusts both `postgres` and `root`
 * on 127.0.0.1; `postgres` is the superuser that can CREATE/DROP DATABASE. Override with TEST_PG_ADMIN_URL.
 */
export function pgAdminUrl(): string {
  return process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

/** A throwaway PostgreSQL database. */
export interface TestDatabase {
  /** Connection string for the new database. */
  url: string;
  /** Database name. */
  name: string;
  /**
   * Drops the database, and those named `<name>_...` beside it, with `WITH (FORCE)`: sessions still connected are
   * terminated (their clients emit 'error').
   */
  drop(): Promise<void>;
}

function safeLabel(label: string, maxLength: number): string {
  const cleaned = label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return (cleaned === '' ? 't' : cleaned).slice(0, maxLength);
}

async function withAdmin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: pgAdminUrl() });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** Creates an empty database named `<prefix>_<random>` (lowercase) on the local PostgreSQL. */
export async function createTestDatabase(prefix: string): Promise<TestDatabase> {
  const name = `${safeLabel(prefix, 40)}_${randomBytes(6).toString('hex')}`;
  await withAdmin((client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(pgAdminUrl());
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    name,
    async drop() {
      if (dropped) return;
      dropped = true;
      await withAdmin(async (client) => {
        // Databases a restore made beside this one (`<name>_restore_<run>`, `<name>_pre_<run>`, ...) go with it.
        const { rows } = await client.query<{ datname: string }>(
          "SELECT datname FROM pg_database WHERE datname = $1 OR starts_with(datname, $1 || '_')",
          [name],
        );
        for (const row of rows) await client.query(`DROP DATABASE IF EXISTS "${row.datname}" WITH (FORCE)`);
      });
    },
  };
}

/** The Redis URL tests use: TEST_REDIS_URL, or the local `redis://127.0.0.1:6379`. */
export function redisUrl(): string {
  return process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
}

/** A unique `label-<pid>-<time>-<random>` string, safe as a BullMQ queue name or Redis key prefix (no `:`). */
export function uniquePrefix(label: string): string {
  const cleaned = safeLabel(label, 32).replace(/_/g, '-');
  return `${cleaned}-${process.pid}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/** A 127.0.0.1 port with nothing listening on it (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('closedPort: no TCP address');
  return address.port;
}

/** Options for {@link waitUntil}. */
export interface WaitUntilOptions {
  /** Give up after this long (default 5000 ms). */
  timeoutMs?: number;
  /** Poll interval (default 20 ms). */
  intervalMs?: number;
  /** What is being waited for, used in the timeout error. */
  description?: string;
}

/**
 * Polls `fn` until it returns a truthy value (which is returned) or the timeout passes.
 * A throwing `fn` counts as "not yet"; its last error is included in the timeout error.
 */
export async function waitUntil<T>(
  fn: () => T | Promise<T>,
  options: WaitUntilOptions = {},
): Promise<Exclude<T, false | null | undefined | 0 | ''>> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const intervalMs = options.intervalMs ?? 20;
  const deadline = Date.now() + timeoutMs;
  let attempts = 0;
  let lastError: unknown;
  let lastValue: unknown;
  for (;;) {
    attempts += 1;
    try {
      const value = await fn();
      if (isTruthy(value)) return value;
      lastValue = value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, Math.max(0, deadline - Date.now()))));
  }
  const what = options.description ?? 'condition';
  const detail =
    lastError !== undefined
      ? `last error: ${lastError instanceof Error ? lastError.message : String(lastError)}`
      : `last value: ${JSON.stringify(lastValue)}`;
  throw new Error(`waitUntil: ${what} not met within ${timeoutMs}ms after ${attempts} attempts; ${detail}`);
}

function isTruthy<T>(value: T): value is Exclude<T, false | null | undefined | 0 | ''> {
  return Boolean(value);
}

/** Deletes every Redis key under `prefix:` (a test's queue), so runs leave nothing behind. */
export async function dropRedisKeys(prefix: string, url = redisUrl()): Promise<void> {
  if (!prefix) return;
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
