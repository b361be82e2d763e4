import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCacheTarget, parseCacheInfo } from '../../src/infra/cache.js';
import { closedPort, redisUrl } from '../support/services.js';

describe('CacheTarget on the local Redis', () => {
  it('answers PING and parses INFO into numbers', async () => {
    const cache = createCacheTarget(redisUrl(), 'thermaliq:');
    try {
      await cache.ping();
      const info = await cache.info();
      expect(info.usedMemory).toBeGreaterThan(0);
      expect(info.memFragmentationRatio).toBeGreaterThan(0);
      for (const value of Object.values(info)) expect(Number.isFinite(value)).toBe(true);
      expect(cache.keyPrefix).toBe('thermaliq:');
    } finally {
      await cache.close();
    }
  });

  it('fails PING fast when Redis is down, and again on the next call', async () => {
    const port = await closedPort();
    const cache = createCacheTarget(`redis://:secret@127.0.0.1:${port}/0`, '');
    try {
      const first = await cache.ping().catch((e: unknown) => e);
      expect(String(first)).toMatch(/Redis PING at 127\.0\.0\.1:\d+\/0 failed: .*ECONNREFUSED/);
      expect(String(first)).not.toContain('secret');
      await expect(cache.ping()).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      await cache.close();
    }
  });

  describe('against a server that accepts but never answers', () => {
    let silent: Server;
    const sockets = new Set<Socket>();
    let port = 0;
    beforeAll(async () => {
      silent = createServer((socket) => {
        // Reads (and ignores) what the client sends, so a close from the client side is seen.
        socket.resume();
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const address = silent.address();
      port = typeof address === 'object' && address ? address.port : 0;
    });
    afterAll(async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    });

    it('rejects with the signal reason when aborted', async () => {
      const cache = createCacheTarget(`redis://127.0.0.1:${port}`, '', { timeoutMs: 30_000 });
      try {
        const signal = AbortSignal.timeout(100);
        const err = await cache.ping({ signal }).catch((e: unknown) => e);
        expect(err).toBe(signal.reason);
      } finally {
        await cache.close();
      }
    });

    it('times out by itself when no signal is given', async () => {
      const cache = createCacheTarget(`redis://127.0.0.1:${port}`, '', { timeoutMs: 150 });
      try {
        await expect(cache.ping()).rejects.toThrow(/Redis PING at 127\.0\.0\.1:\d+: no answer within 150 ms/);
      } finally {
        await cache.close();
      }
    });
  });
});

describe('parseCacheInfo', () => {
  it('reads the fields across INFO sections and defaults maxmemory to 0', () => {
    const text = [
      '# Memory',
      'used_memory:1048576',
      'mem_fragmentation_ratio:1.73',
      '# Stats',
      'keyspace_hits:900',
      'keyspace_misses:100',
      'evicted_keys:5',
      'expired_keys:7',
      '',
    ].join('\r\n');
    expect(parseCacheInfo(text)).toEqual({
      keyspaceHits: 900,
      keyspaceMisses: 100,
      usedMemory: 1_048_576,
      maxMemory: 0,
      memFragmentationRatio: 1.73,
      evictedKeys: 5,
      expiredKeys: 7,
    });
  });

  it('rejects INFO without the fields it needs', () => {
    expect(() => parseCacheInfo('# Server\r\nredis_version:7.0.15\r\n')).toThrow();
  });
});
