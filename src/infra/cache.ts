import { Redis } from 'ioredis';
import { z } from 'zod';
import { messageOf, OutsideAnswer } from '../errors.js';
import { abortable, withTimeout } from './abortable.js';

/** The INFO fields the cache checks use. */
export interface CacheInfo {
  keyspaceHits: number;
  keyspaceMisses: number;
  usedMemory: number;
  /** 0 means no limit. */
  maxMemory: number;
  memFragmentationRatio: number;
  evictedKeys: number;
  expiredKeys: number;
}

/** The service's Redis cache. */
export interface CacheTarget {
  /** host:port/db, without credentials, for messages. */
  readonly label: string;
  /** The prefix of the service's keys, for runbooks that purge or count them. */
  readonly keyPrefix: string;
  /** Resolves when Redis answers PONG; rejects fast when it is down. */
  ping(opts?: { signal?: AbortSignal }): Promise<void>;
  info(opts?: { signal?: AbortSignal }): Promise<CacheInfo>;
  close(): Promise<void>;
}

const count = z.coerce.number().nonnegative();
const infoSchema = z.object({
  keyspace_hits: count,
  keyspace_misses: count,
  used_memory: count,
  maxmemory: count.default(0),
  mem_fragmentation_ratio: count,
  evicted_keys: count,
  expired_keys: count,
});

/** Parses the `field:value` lines of Redis INFO into the fields the checks use. */
export function parseCacheInfo(text: string): CacheInfo {
  const fields: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const at = line.indexOf(':');
    if (at > 0 && !line.startsWith('#')) fields[line.slice(0, at)] = line.slice(at + 1).trim();
  }
  const info = infoSchema.parse(fields);
  return {
    keyspaceHits: info.keyspace_hits,
    keyspaceMisses: info.keyspace_misses,
    usedMemory: info.used_memory,
    maxMemory: info.maxmemory,
    memFragmentationRatio: info.mem_fragmentation_ratio,
    evictedKeys: info.evicted_keys,
    expiredKeys: info.expired_keys,
  };
}

function labelOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '6379'}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return 'the cache';
  }
}

/** A Redis client that connects on demand and fails fast instead of queueing commands while Redis is down. */
export function createCacheTarget(url: string, keyPrefix: string, opts: { timeoutMs?: number } = {}): CacheTarget {
  const label = labelOf(url);
  const timeoutMs = opts.timeoutMs ?? 3_000;
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    // No background reconnect loop: each call connects again if needed, so a down Redis costs one attempt.
    retryStrategy: () => null,
  });
  // Failures surface through the calls; the listener keeps the cause, since connect() only says "Connection is closed".
  let lastError: Error | undefined;
  redis.on('error', (err: Error) => {
    lastError = err;
  });
  let connecting: Promise<void> | undefined;

  function ensureConnected(): Promise<void> {
    if (redis.status === 'ready') return Promise.resolve();
    if (!connecting) {
      // connect() refuses while a previous attempt is still "connecting", so share one attempt.
      connecting = (redis.status === 'wait' || redis.status === 'end' ? redis.connect() : Promise.resolve()).finally(
        () => {
          connecting = undefined;
        },
      );
    }
    return connecting;
  }

  async function run<T>(what: string, signal: AbortSignal | undefined, command: () => Promise<T>): Promise<T> {
    signal?.throwIfAborted();
    const deadline = withTimeout(signal, timeoutMs);
    lastError = undefined;
    try {
      // A half-open connection that never becomes ready is dropped, so the next call starts afresh.
      return await abortable(ensureConnected().then(command), deadline, () => {
        if (redis.status !== 'ready') redis.disconnect();
      });
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      if (deadline.aborted) {
        throw new OutsideAnswer('redis', `Redis ${what} at ${label}: no answer within ${timeoutMs} ms`, {
          code: 'timeout',
        });
      }
      const cause = err instanceof Error && err.message === 'Connection is closed.' && lastError ? lastError : err;
      throw new Error(`Redis ${what} at ${label} failed: ${messageOf(cause)}`, { cause });
    }
  }

  return {
    label,
    keyPrefix,
    async ping(callOpts = {}) {
      const answer = await run('PING', callOpts.signal, () => redis.ping());
      if (answer !== 'PONG') throw new OutsideAnswer('redis', `Redis at ${label} answered PING with ${answer}`);
    },
    async info(callOpts = {}) {
      const text = await run('INFO', callOpts.signal, () => redis.info());
      return parseCacheInfo(text);
    },
    async close() {
      if (redis.status === 'end' || redis.status === 'wait') {
        redis.disconnect();
        return;
      }
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
