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
  tryTurn(scope: string, intervalMs: number, holds: readonly string[], priority?: TurnPriority): Promise<number>;
  /** Stores "not before now + ms" for a scope (a 429's Retry-After), for every instance. */
  hold(scope: string, ms: number): Promise<void>;
  /**
   * The call made in the scope's turn has been answered: the next turn starts no earlier than `intervalMs` from now
   * (never sooner than the turn already says). Slack measures the gap between arrivals; a call that reached it late
   * (its process stalled between the turn and the wire) would otherwise leave the next call less than an interval
   * behind it.
   */
  settle(scope: string, intervalMs: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Who goes first in a busy scope: a `high` caller (a run's own message, an approval) registers as waiting, and `low`
 * callers (report threads) let every registered high caller go first. A registration lapses after two intervals
 * unless renewed by the caller's next try, so a caller that died holds nobody up. Without one: first come.
 */
export type TurnPriority = { level: 'high'; waiter: string } | { level: 'low' };

/** One process's pacer (tests, and a single instance with neither Redis nor a store). */
export function memoryPacer(now: () => number = Date.now): SlackPacer {
  const until = new Map<string, number>();
  const left = (key: string) => Math.max(0, (until.get(key) ?? 0) - now());
  const waiters = new Map<string, Map<string, number>>();
  return {
    async tryTurn(scope, intervalMs, holds, priority) {
      const waiting = waiters.get(scope) ?? new Map<string, number>();
      waiters.set(scope, waiting);
      for (const [id, expires] of waiting) if (expires <= now()) waiting.delete(id);
      if (priority?.level === 'high') waiting.set(priority.waiter, now() + 2 * intervalMs + 1000);
      const wait = Math.max(left(`turn:${scope}`), ...holds.map((h) => left(`hold:${h}`)));
      if (wait > 0) return wait;
      if (priority?.level === 'low' && waiting.size > 0) return intervalMs;
      if (priority?.level === 'high') waiting.delete(priority.waiter);
      until.set(`turn:${scope}`, now() + intervalMs);
      if (until.size > 10_000) for (const [k, v] of until) if (v < now()) until.delete(k);
      return 0;
    },
    async hold(scope, ms) {
      until.set(`hold:${scope}`, Math.max(until.get(`hold:${scope}`) ?? 0, now() + ms));
    },
    async settle(scope, intervalMs) {
      until.set(`turn:${scope}`, Math.max(until.get(`turn:${scope}`) ?? 0, now() + intervalMs));
    },
    async close() {},
  };
}

// KEYS[1]: the turn; KEYS[2]: the scope's high-priority waiters (sorted by expiry); KEYS[3..]: holds.
// ARGV[1]: interval ms; ARGV[2]: high, low or none; ARGV[3]: the waiter's id. Returns ms to wait, or 0 with the turn.
const turnScript = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if ARGV[2] == 'high' then
  redis.call('ZADD', KEYS[2], now + 2 * interval + 1000, ARGV[3])
  redis.call('PEXPIRE', KEYS[2], 2 * interval + 60000)
end
local wait = 0
for i = 3, #KEYS do
  local ttl = redis.call('PTTL', KEYS[i])
  if ttl > wait then wait = ttl end
end
if wait > 0 then return wait end
if ARGV[2] == 'low' and redis.call('ZCARD', KEYS[2]) > 0 then return interval end
if redis.call('SET', KEYS[1], '1', 'PX', interval, 'NX') then
  if ARGV[2] == 'high' then redis.call('ZREM', KEYS[2], ARGV[3]) end
  return 0
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 1 then return 1 end
return ttl`;

// KEYS[1]: a hold or a turn. ARGV[1]: ms. Extends, never shortens.
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
    async tryTurn(scope, intervalMs, holds, priority) {
      const keys = [key('turn', scope), key('waiters', scope), ...holds.map((h) => key('hold', h))];
      const level = priority?.level ?? 'none';
      const waiter = priority?.level === 'high' ? priority.waiter : '';
      return Number(await redis.eval(turnScript, keys.length, ...keys, String(Math.ceil(intervalMs)), level, waiter));
    },
    async hold(scope, ms) {
      await redis.eval(holdScript, 1, key('hold', scope), String(Math.ceil(ms)));
    },
    async settle(scope, intervalMs) {
      await redis.eval(holdScript, 1, key('turn', scope), String(Math.ceil(intervalMs)));
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
  const waitersTable = `"${schema.replace(/"/g, '""')}".slack_pacing_waiters`;
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
        await client.query(
          `CREATE TABLE IF NOT EXISTS ${waitersTable} (scope text NOT NULL, waiter text NOT NULL, until timestamptz NOT NULL, PRIMARY KEY (scope, waiter))`,
        );
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
  /** "Not before now + ms" for a key, extended, never shortened. */
  const extend = async (scopeKey: string, ms: number) => {
    await prepare();
    await pool.query(
      `INSERT INTO ${table} AS p (scope, until) VALUES ($1, clock_timestamp() + $2 * interval '1 millisecond')
       ON CONFLICT (scope) DO UPDATE SET until = greatest(p.until, EXCLUDED.until)`,
      [scopeKey, ms],
    );
  };
  return {
    async tryTurn(scope, intervalMs, holds, priority) {
      await prepare();
      if (priority?.level === 'high') {
        await pool.query(
          `INSERT INTO ${waitersTable} AS w (scope, waiter, until) VALUES ($1, $2, clock_timestamp() + $3 * interval '1 millisecond')
           ON CONFLICT (scope, waiter) DO UPDATE SET until = EXCLUDED.until`,
          [scope, priority.waiter, 2 * intervalMs + 1000],
        );
      } else if (priority?.level === 'low') {
        const { rows } = await pool.query(
          `SELECT 1 FROM ${waitersTable} WHERE scope = $1 AND until > clock_timestamp() LIMIT 1`,
          [scope],
        );
        if (rows.length > 0) return intervalMs;
      }
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
      const wait = Number(rows[0]?.wait ?? intervalMs);
      if (wait === 0 && priority?.level === 'high') {
        await pool.query(`DELETE FROM ${waitersTable} WHERE scope = $1 AND waiter = $2`, [scope, priority.waiter]);
      }
      return wait;
    },
    async hold(scope, ms) {
      await extend(`hold:${scope}`, ms);
      // Old turns and holds are not needed once passed.
      await pool.query(`DELETE FROM ${table} WHERE until < clock_timestamp() - interval '1 hour'`);
      await pool.query(`DELETE FROM ${waitersTable} WHERE until < clock_timestamp() - interval '1 hour'`);
    },
    async settle(scope, intervalMs) {
      await extend(`turn:${scope}`, intervalMs);
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
