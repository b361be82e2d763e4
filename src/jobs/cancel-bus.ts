import { Redis } from 'ioredis';
import pg from 'pg';
import type { QueueConnection } from './queue.js';

/**
 * Carries "cancel run X" to every worker instance. BullMQ's cancel reaches only jobs held by the worker object it is
 * called on, and the click may land on any instance, so the request is broadcast and the holder aborts it.
 * The run's cancel flag in the store stays the source of truth; this only makes the abort immediate.
 */
export interface CancelBus {
  publish(runId: string): Promise<void>;
  /** Calls `onCancel` for every published run id, on every instance. */
  subscribe(onCancel: (runId: string) => void): Promise<void>;
  close(): Promise<void>;
}

const runIdPattern = /^r-[0-9a-f]{4,32}$/;

function redisBus(url: string, channel: string): CancelBus {
  const publisher = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: true });
  // While Redis is down, ioredis reports each reconnect attempt here; a failed publish rejects to its caller anyway.
  publisher.on('error', () => {});
  let subscriber: Redis | undefined;
  return {
    async publish(runId) {
      await publisher.publish(channel, runId);
    },
    async subscribe(onCancel) {
      subscriber = new Redis(url, { maxRetriesPerRequest: null });
      subscriber.on('error', () => {});
      subscriber.on('message', (_ch: string, message: string) => {
        if (runIdPattern.test(message)) onCancel(message);
      });
      await subscriber.subscribe(channel);
    },
    async close() {
      publisher.disconnect();
      subscriber?.disconnect();
    },
  };
}

function postgresBus(url: string, channel: string): CancelBus {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  pool.on('error', () => {});
  let listener: pg.Client | undefined;
  return {
    async publish(runId) {
      await pool.query('SELECT pg_notify($1, $2)', [channel, runId]);
    },
    async subscribe(onCancel) {
      listener = new pg.Client({ connectionString: url });
      listener.on('error', () => {});
      listener.on('notification', (n) => {
        if (n.channel === channel && n.payload && runIdPattern.test(n.payload)) onCancel(n.payload);
      });
      await listener.connect();
      await listener.query(`LISTEN ${channel}`);
    },
    async close() {
      await listener?.end().catch(() => {});
      await pool.end();
    },
  };
}

/** The bus on the queue's own backend: Redis pub/sub, or PostgreSQL LISTEN/NOTIFY. */
export function createCancelBus(conn: QueueConnection, name: string): CancelBus {
  const safe = name.replace(/[^a-z0-9_]/gi, '_').toLowerCase();
  return conn.kind === 'redis'
    ? redisBus(conn.url, `${conn.prefix}-${name}-cancel`)
    : postgresBus(conn.url, `${conn.schema}_${safe}_cancel`.slice(0, 63));
}
