import type { Redis } from 'ioredis';
import { messageOf } from '../errors.js';

/** How far a SCAN may go: one page's COUNT hint, and the most keys, pages and time it may take in all. */
export interface ScanBounds {
  count: number;
  maxKeys: number;
  maxIterations: number;
  timeBudgetMs: number;
}

/** Where a bounded SCAN stopped. */
export interface ScanOutcome {
  keysSeen: number;
  iterations: number;
  /** True when SCAN returned cursor 0: every matching key was visited (keys added meanwhile may be missed). */
  complete: boolean;
  /** The bound that stopped an incomplete scan. */
  stoppedBy?: 'keys' | 'iterations' | 'time';
  durationMs: number;
}

/** Escapes Redis glob metacharacters, so a configured key prefix matches only itself. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\^]/g, '\\$&');
}

/**
 * SCAN with MATCH and COUNT until the cursor returns to 0 or a bound is reached; each page's keys go to `visit`
 * before the next page is asked for. Never KEYS: SCAN keeps Redis serving other clients between pages.
 */
export async function boundedScan(
  redis: Redis,
  opts: { match: string; bounds: ScanBounds; signal: AbortSignal },
  visit: (keys: string[]) => Promise<void>,
): Promise<ScanOutcome> {
  const started = performance.now();
  const { bounds } = opts;
  let cursor = '0';
  let keysSeen = 0;
  let iterations = 0;
  const stop = (stoppedBy?: ScanOutcome['stoppedBy']): ScanOutcome => ({
    keysSeen,
    iterations,
    complete: stoppedBy === undefined,
    ...(stoppedBy ? { stoppedBy } : {}),
    durationMs: Math.round(performance.now() - started),
  });
  for (;;) {
    opts.signal.throwIfAborted();
    if (iterations >= bounds.maxIterations) return stop('iterations');
    if (performance.now() - started >= bounds.timeBudgetMs) return stop('time');
    const [next, page] = await redis.scan(cursor, 'MATCH', opts.match, 'COUNT', bounds.count);
    iterations += 1;
    const room = bounds.maxKeys - keysSeen;
    const keys = page.length > room ? page.slice(0, room) : page;
    if (keys.length > 0) await visit(keys);
    keysSeen += keys.length;
    if (page.length > room) return stop('keys');
    cursor = next;
    if (cursor === '0') return stop();
    if (keysSeen >= bounds.maxKeys) return stop('keys');
  }
}

/** The keys among `keys` that exist and have no TTL (TTL answers -1; -2 is a key that vanished meanwhile). */
export async function keysWithoutTtl(redis: Redis, keys: readonly string[]): Promise<string[]> {
  const pipeline = redis.pipeline();
  for (const key of keys) pipeline.ttl(key);
  const answers = (await pipeline.exec()) ?? [];
  const none: string[] = [];
  answers.forEach(([err, ttl], i) => {
    if (err) throw err;
    const key = keys[i];
    if (ttl === -1 && key !== undefined) none.push(key);
  });
  return none;
}

/**
 * `EXPIRE key seconds NX` for each key: sets a TTL only where there is none, atomically per key, so a key that got a
 * TTL from the application meanwhile keeps it. Returns how many were set and how many were left alone (they had a
 * TTL, or vanished). NX needs Redis 7.0.
 */
export async function expireWhereNone(
  redis: Redis,
  keys: readonly string[],
  seconds: number,
): Promise<{ set: string[]; skipped: number }> {
  const pipeline = redis.pipeline();
  for (const key of keys) pipeline.expire(key, seconds, 'NX');
  const answers = (await pipeline.exec()) ?? [];
  const set: string[] = [];
  let skipped = 0;
  answers.forEach(([err, result], i) => {
    if (err) {
      const reason = messageOf(err);
      if (/NX|wrong number of arguments|syntax/i.test(reason)) {
        throw new Error(`EXPIRE … NX is not supported by this Redis (it needs 7.0 or later): ${reason}`);
      }
      throw err;
    }
    const key = keys[i];
    if (result === 1 && key !== undefined) set.push(key);
    else skipped += 1;
  });
  return { set, skipped };
}
