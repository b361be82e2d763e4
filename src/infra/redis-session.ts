import { Redis } from 'ioredis';
import { messageOf } from '../errors.js';
import { abortable } from './abortable.js';
import { type CacheInfo, parseCacheInfo } from './cache.js';

/** INFO fields beyond what the health check reads: what the guides' cache procedures look at. */
export interface CacheInfoDetail extends CacheInfo {
  usedMemoryRss: number;
  maxMemoryPolicy: string;
  memAllocator: string;
  redisVersion: string;
  /** Keys in the selected database (INFO keyspace), and how many of them have a TTL. */
  keys: number;
  keysWithExpiry: number;
}

/** host:port/db of a Redis URL, without credentials. */
export function redisLabel(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '6379'}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return 'the cache';
  }
}

/**
 * Runs `work` on a dedicated Redis connection that is closed afterwards (a SCAN loop must not share the health
 * check's connection). It fails fast when Redis is down, and aborting the signal drops the connection.
 */
export async function withRedis<T>(
  url: string,
  opts: { signal: AbortSignal; commandTimeoutMs?: number },
  work: (redis: Redis) => Promise<T>,
): Promise<T> {
  opts.signal.throwIfAborted();
  const label = redisLabel(url);
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 5_000,
    commandTimeout: opts.commandTimeoutMs ?? 10_000,
    retryStrategy: () => null,
  });
  let lastError: Error | undefined;
  redis.on('error', (err: Error) => {
    lastError = err;
  });
  try {
    await abortable(redis.connect(), opts.signal, () => redis.disconnect());
    return await abortable(work(redis), opts.signal, () => redis.disconnect());
  } catch (err) {
    if (opts.signal.aborted) throw opts.signal.reason;
    const cause = err instanceof Error && err.message === 'Connection is closed.' && lastError ? lastError : err;
    throw new Error(`Redis at ${label}: ${messageOf(cause)}`, { cause });
  } finally {
    if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
    else redis.disconnect();
  }
}

/** The INFO fields with the memory policy, allocator and the selected database's key counts. */
export async function cacheInfoDetail(redis: Redis): Promise<CacheInfoDetail> {
  const text = await redis.info();
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const at = line.indexOf(':');
    if (at > 0 && !line.startsWith('#')) fields.set(line.slice(0, at), line.slice(at + 1).trim());
  }
  const db = `db${(redis.options.db ?? 0).toString()}`;
  // INFO keyspace: db3:keys=12,expires=4,avg_ttl=0
  const keyspace = /keys=(\d+),expires=(\d+)/.exec(fields.get(db) ?? '');
  return {
    ...parseCacheInfo(text),
    usedMemoryRss: Number(fields.get('used_memory_rss') ?? 0),
    maxMemoryPolicy: fields.get('maxmemory_policy') ?? 'unknown',
    memAllocator: fields.get('mem_allocator') ?? 'unknown',
    redisVersion: fields.get('redis_version') ?? 'unknown',
    keys: Number(keyspace?.[1] ?? 0),
    keysWithExpiry: Number(keyspace?.[2] ?? 0),
  };
}

/** `MEMORY PURGE`: asks jemalloc to return dirty pages to the OS (a no-op with other allocators). */
export async function memoryPurge(redis: Redis): Promise<void> {
  const answer = await redis.call('MEMORY', 'PURGE');
  if (answer !== 'OK') throw new Error(`MEMORY PURGE answered ${String(answer)}`);
}
