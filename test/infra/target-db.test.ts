import { createServer, type Server, type Socket } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTargetDatabase } from '../../src/infra/target-db.js';
import { closedPort, createTestDatabase, type TestDatabase } from '../support/services.js';

describe('TargetDatabase on the local PostgreSQL', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('infra_target_db');
  });
  afterAll(() => db.drop());

  it('counts connections to its own database against max_connections', async () => {
    // Two other sessions on the same database must be counted.
    const others = [new pg.Client({ connectionString: db.url }), new pg.Client({ connectionString: db.url })];
    await Promise.all(others.map((c) => c.connect()));
    const target = createTargetDatabase(db.url);
    try {
      const stats = await target.connectionStats();
      const max = await others[0]?.query<{ max_connections: string }>('SHOW max_connections');
      expect(stats.database).toBe(db.name);
      expect(stats.connections).toBe(3);
      expect(stats.maxConnections).toBe(Number(max?.rows[0]?.max_connections));
    } finally {
      await target.close();
      await Promise.all(others.map((c) => c.end()));
    }
  });

  it('fails with the connection error, without credentials, when nothing listens', async () => {
    const port = await closedPort();
    const target = createTargetDatabase(`postgres://app:s3cret@127.0.0.1:${port}/thermaliq`);
    try {
      const err = await target.connectionStats().catch((e: unknown) => e);
      expect(String(err)).toMatch(/Cannot connect to 127\.0\.0\.1:\d+\/thermaliq: .*ECONNREFUSED/);
      expect(String(err)).not.toContain('s3cret');
    } finally {
      await target.close();
    }
  });

  describe('against a server that accepts but never answers', () => {
    let silent: Server;
    const sockets = new Set<Socket>();
    const socketClosed: Promise<void>[] = [];
    let port = 0;

    beforeAll(async () => {
      silent = createServer((socket) => {
        // Reads (and ignores) what the client sends, so a close from the client side is seen.
        socket.resume();
        sockets.add(socket);
        socketClosed.push(new Promise((resolve) => socket.once('close', () => resolve())));
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

    it('gives up at the connect timeout', async () => {
      const target = createTargetDatabase(`postgres://app@127.0.0.1:${port}/thermaliq`, { connectTimeoutMs: 200 });
      try {
        await expect(target.connectionStats()).rejects.toThrow(/Cannot connect to .*timeout/i);
      } finally {
        await target.close();
      }
    });

    it('rejects with the signal reason when aborted, and drops the half-open connection', async () => {
      const target = createTargetDatabase(`postgres://app@127.0.0.1:${port}/thermaliq`, { connectTimeoutMs: 30_000 });
      try {
        const opened = socketClosed.length;
        const signal = AbortSignal.timeout(100);
        const err = await target.connectionStats({ signal }).catch((e: unknown) => e);
        expect(err).toBe(signal.reason);
        expect(socketClosed.length).toBe(opened + 1);
        // Resolves only because the abort destroyed the socket; otherwise the test times out.
        await socketClosed[opened];
      } finally {
        await target.close();
      }
    });
  });
});
