import { Redis } from 'ioredis';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { type CancelBus, createCancelBus } from '../../src/jobs/cancel-bus.js';
import type { QueueConnection } from '../../src/jobs/queue.js';
import { redisUrl, uniquePrefix, waitUntil } from '../support/services.js';

const pgUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const connections: Record<string, QueueConnection> = {
  redis: { kind: 'redis', url: redisUrl(), prefix: uniquePrefix('bus') },
  postgres: { kind: 'postgres', url: pgUrl, schema: uniquePrefix('bus').replace(/-/g, '_') },
};

/** Cuts the bus's listening connection from the server side, as a Redis or PostgreSQL restart would. */
async function dropListener(conn: QueueConnection): Promise<number> {
  if (conn.kind === 'redis') {
    const admin = new Redis(conn.url);
    try {
      const name = `${conn.prefix}-q-cancel-listener`;
      const ids = String(await admin.client('LIST'))
        .split('\n')
        .filter((line) => line.includes(` name=${name} `))
        .map((line) => /\bid=(\d+)/.exec(line)?.[1] ?? '');
      for (const id of ids) await admin.client('KILL', 'ID', id);
      return ids.length;
    } finally {
      admin.disconnect();
    }
  }
  const admin = new pg.Client({ connectionString: conn.url });
  await admin.connect();
  try {
    const res = await admin.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
      [`${conn.schema}_q_cancel-listener`],
    );
    return res.rowCount ?? 0;
  } finally {
    await admin.end();
  }
}

describe.each(Object.entries(connections))('cancel bus on %s', (_kind, conn) => {
  const open: CancelBus[] = [];
  afterEach(async () => {
    for (const b of open.splice(0)) await b.close();
  });

  it('delivers a cancel published on one instance to every subscribed instance, and ignores junk', async () => {
    const received: Record<string, string[]> = { a: [], b: [] };
    const [publisher, a, b] = [createCancelBus(conn, 'q'), createCancelBus(conn, 'q'), createCancelBus(conn, 'q')];
    open.push(publisher, a, b);
    await a.subscribe((id) => received.a?.push(id));
    await b.subscribe((id) => received.b?.push(id));
    await publisher.publish('not a run id; DROP');
    await publisher.publish('r-0123abcd');
    await waitUntil(() => received.a?.length === 1 && received.b?.length === 1, { description: 'both instances' });
    expect(received).toEqual({ a: ['r-0123abcd'], b: ['r-0123abcd'] });
  });

  it('listens again after its connection is cut, and asks its holder to resync what it may have missed', async () => {
    const received: string[] = [];
    let resyncs = 0;
    const [publisher, listener] = [createCancelBus(conn, 'q'), createCancelBus(conn, 'q')];
    open.push(publisher, listener);
    await listener.subscribe(
      (id) => received.push(id),
      () => {
        resyncs += 1;
      },
    );
    expect(resyncs).toBe(0);
    expect(await dropListener(conn)).toBe(1);
    await waitUntil(() => resyncs === 1, { description: 'the holder to be told to resync' });
    // Listening again: a broadcast after the resync arrives as before.
    await publisher.publish('r-0456cdef');
    await waitUntil(() => received.includes('r-0456cdef'), { description: 'a cancel after the reconnect' });
  });
});
