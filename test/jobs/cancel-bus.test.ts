import { afterEach, describe, expect, it } from 'vitest';
import { type CancelBus, createCancelBus } from '../../src/jobs/cancel-bus.js';
import type { QueueConnection } from '../../src/jobs/queue.js';
import { redisUrl, uniquePrefix, waitUntil } from '../support/services.js';

const pgUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const connections: Record<string, QueueConnection> = {
  redis: { kind: 'redis', url: redisUrl(), prefix: uniquePrefix('bus') },
  postgres: { kind: 'postgres', url: pgUrl, schema: uniquePrefix('bus').replace(/-/g, '_') },
};

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
});
