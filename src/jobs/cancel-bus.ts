import { Redis } from 'ioredis';
import pg from 'pg';
import type { QueueConnection } from './queue.js';

/**
 * Carries "cancel run X" to every worker instance. BullMQ's cancel reaches only jobs held by the worker object it is
 * called on, and the click may land on any instance, so the request is broadcast and the holder aborts it.
 * The run's cancel flag in the store stays the source of truth; this only makes the abort immediate.
 *
 * A broadcast sent while an instance's subscription is down is lost to it, so each time the subscription comes back
 * the instance is told to resync: it reads the cancel flags of the runs it holds from the store.
 */
export interface CancelBus {
  publish(runId: string): Promise<void>;
  /**
   * Calls `onCancel` for every published run id, on every instance, and `onResync` after the subscription was lost
   * and is back (anything published in between was missed).
   */
  subscribe(onCancel: (runId: string) => void, onResync?: () => void): Promise<void>;
  close(): Promise<void>;
}

const runIdPattern = /^r-[0-9a-f]{4,32}$/;
/** Reconnect backoff of the subscription: short, so a missed cancel is caught up within about a second. */
const resubscribeDelayMs = (attempt: number) => Math.min(100 * attempt, 1000);

function redisBus(url: string, channel: string): CancelBus {
  const publisher = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: true });
  // While Redis is down, ioredis reports each reconnect attempt here; a failed publish rejects to its caller anyway.
  publisher.on('error', () => {});
  let subscriber: Redis | undefined;
  return {
    async publish(runId) {
      await publisher.publish(channel, runId);
    },
    async subscribe(onCancel, onResync) {
      const sub = new Redis(url, {
        maxRetriesPerRequest: null,
        retryStrategy: resubscribeDelayMs,
        connectionName: `${channel}-listener`,
      });
      subscriber = sub;
      sub.on('error', () => {});
      sub.on('message', (_ch: string, message: string) => {
        if (runIdPattern.test(message)) onCancel(message);
      });
      await sub.subscribe(channel);
      // ioredis resubscribes by itself on reconnect; subscribing again first makes sure the resync reads the store
      // only once new broadcasts reach this instance, so nothing falls between the two.
      sub.on('ready', () => {
        sub.subscribe(channel).then(
          () => onResync?.(),
          () => {},
        );
      });
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
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  const listen = async (onCancel: (runId: string) => void, onLost: () => void) => {
    const client = new pg.Client({ connectionString: url, application_name: `${channel}-listener`.slice(0, 63) });
    listener = client;
    let lost = false;
    const drop = () => {
      if (lost) return;
      lost = true;
      client.end().catch(() => {});
      if (!closed) onLost();
    };
    client.on('error', drop);
    client.on('end', drop);
    client.on('notification', (n) => {
      if (n.channel === channel && n.payload && runIdPattern.test(n.payload)) onCancel(n.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${channel}`);
    } catch (err) {
      drop();
      throw err;
    }
  };
  return {
    async publish(runId) {
      await pool.query('SELECT pg_notify($1, $2)', [channel, runId]);
    },
    async subscribe(onCancel, onResync) {
      let attempt = 0;
      // A dropped LISTEN connection (server restart, terminated backend) is opened again, then the holder resyncs.
      const relisten = () => {
        attempt += 1;
        retry = setTimeout(() => {
          listen(onCancel, relisten).then(
            () => {
              attempt = 0;
              onResync?.();
            },
            () => {},
          );
        }, resubscribeDelayMs(attempt));
      };
      await listen(onCancel, relisten);
    },
    async close() {
      closed = true;
      clearTimeout(retry);
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
