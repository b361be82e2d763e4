import { Redis } from 'ioredis';
import pg from 'pg';
import type { QueueConnection } from '../jobs/queue.js';

/**
 * Slack's limits, kept for every instance on the same Redis (or PostgreSQL): a scope (a channel's posts, one
 * message's updates) admits one call per interval, and a 429's Retry-After holds a method's scope until it passes.
 *
 * Why not rate-limiter-flexible (which we looked at first): its Redis limiter counts in whole-second windows (`SET …
 * EX seconds`), so it cannot keep a margin over Slack's one-second window, and calls at the edge of two windows get
 * 429s; and a window counts calls, while Slack's per-channel rule spaces them. Here each call takes a turn that
 * starts no earlier than `interval` after the previous turn started, measured by the shared store's clock.
 */
export interface SlackPacer {
  /**
   * Takes the scope's turn if it is free and no hold applies; otherwise returns how many ms to wait before trying
   * again (0: the turn is taken, call now).
   */
  tryTurn(scope: string, intervalMs: number, holds: readonly string[]): Promise<number>;
  /** Stores "not before now + ms" for a scope (a 429's Retry-After), for every instance. */
  hold(scope: string, ms: number): Promise<void>;
  close(): Promise<void>;
}

/** One process's pacer (tests, and a single instance with neither Redis nor a store). */
export function memoryPacer(now: () => number = Date.now): SlackPacer {
  const until = new Map<string, number>();
  const left = (key: string) => Math.max(0, (until.get(key) ?? 0) - now());
  return {
    async tryTurn(scope, intervalMs, holds) {
      const wait = Math.max(left(`turn:${scope}`), ...holds.map((h) => left(`hold:${h}`)));
      if (wait > 0) return wait;
      until.set(`turn:${scope}`, now() + intervalMs);
      if (until.size > 10_000) for (const [k, v] of until) if (v < now()) until.delete(k);
      return 0;
    },
    async hold(scope, ms) {
      until.set(`hold:${scope}`, Math.max(until.get(`hold:${scope}`) ?? 0, now() + ms));
    },
    async close() {},
  };
}

// KEYS[1]: the turn; KEYS[2..]: holds. ARGV[1]: interval ms. Returns ms to wait, or 0 with the turn taken.
const turnScript = `
local wait = 0
for i = 2, #KEYS do
  local ttl = redis.call('PTTL', KEYS[i])
  if ttl > wait then wait = ttl end
end
if wait > 0 then return wait end
if redis.call('SET', KEYS[1], '1', 'PX', ARGV[1], 'NX') then return 0 end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 1 then return 1 end
return ttl`;

// KEYS[1]: the hold. ARGV[1]: ms. Extends, never shortens.
const holdScript = `
local ttl = redis.call('PTTL', KEYS[1])
if ttl < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], '1', 'PX', ARGV[1]) end
return 0`;

function redisPacer(url: string, prefix: string): SlackPacer {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: true });
  // A failed call rejects to its caller, which then waits out a conservative interval itself.
  redis.on('error', () => {});
  const key = (kind: string, scope: string) => `${prefix}:slack:${kind}:${scope}`;
  return {
    async tryTurn(scope, intervalMs, holds) {
      const keys = [key('turn', scope), ...holds.map((h) => key('hold', h))];
      return Number(await redis.eval(turnScript, keys.length, ...keys, String(Math.ceil(intervalMs))));
    },
    async hold(scope, ms) {
      await redis.eval(holdScript, 1, key('hold', scope), String(Math.ceil(ms)));
    },
    async close() {
      redis.disconnect();
    },
  };
}

function postgresPacer(url: string, schema: string): SlackPacer {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on('error', () => {});
  const table = `"${schema.replace(/"/g, '""')}".slack_pacing`;
  let ready: Promise<unknown> | undefined;
  const prepare = () => {
    ready ??= (async () => {
      const client = await pool.connect();
      try {
        // Instances start together: concurrent CREATE TABLE IF NOT EXISTS can still collide, so one at a time.
        await client.query('BEGIN');
        await client.query("SELECT pg_advisory_xact_lock(hashtext('thermaliq slack_pacing'))");
        await client.query(`CREATE TABLE IF NOT EXISTS ${table} (scope text PRIMARY KEY, until timestamptz NOT NULL)`);
        await client.query(`CREATE INDEX IF NOT EXISTS slack_pacing_until ON ${table} (until)`);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        ready = undefined;
        throw err;
      } finally {
        client.release();
      }
    })();
    return ready;
  };
  return {
    async tryTurn(scope, intervalMs, holds) {
      await prepare();
      // One statement: the holds' and the turn's remaining time, and the turn taken (upsert) only if both are over.
      const { rows } = await pool.query<{ wait: string }>(
        `WITH blocked AS (
           SELECT coalesce(max(until), '-infinity') AS until FROM ${table} WHERE scope = ANY($3::text[])
         ), taken AS (
           INSERT INTO ${table} AS p (scope, until)
           SELECT $1, clock_timestamp() + $2 * interval '1 millisecond' FROM blocked WHERE blocked.until <= clock_timestamp()
           ON CONFLICT (scope) DO UPDATE SET until = EXCLUDED.until WHERE p.until <= clock_timestamp()
           RETURNING 1
         )
         SELECT CASE WHEN EXISTS (SELECT 1 FROM taken) THEN 0
           ELSE greatest(1, ceil(extract(epoch FROM (greatest((SELECT until FROM blocked),
             (SELECT until FROM ${table} WHERE scope = $1)) - clock_timestamp())) * 1000)) END AS wait`,
        [`turn:${scope}`, intervalMs, holds.map((h) => `hold:${h}`)],
      );
      return Number(rows[0]?.wait ?? intervalMs);
    },
    async hold(scope, ms) {
      await prepare();
      await pool.query(
        `INSERT INTO ${table} AS p (scope, until) VALUES ($1, clock_timestamp() + $2 * interval '1 millisecond')
         ON CONFLICT (scope) DO UPDATE SET until = greatest(p.until, EXCLUDED.until)`,
        [`hold:${scope}`, ms],
      );
      // Old turns and holds are not needed once passed.
      await pool.query(`DELETE FROM ${table} WHERE until < clock_timestamp() - interval '1 hour'`);
    },
    async close() {
      await pool.end();
    },
  };
}

/** The pacer for a deployment: shared through Redis where the queue uses Redis, through PostgreSQL otherwise. */
export function createSlackPacer(conn: QueueConnection): SlackPacer {
  return conn.kind === 'redis' ? redisPacer(conn.url, conn.prefix) : postgresPacer(conn.url, conn.schema);
}
