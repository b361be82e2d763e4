import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  createQueueBackend,
  type QueueBackend,
  type QueueConnection,
  type RunQueue,
  type RunWorker,
} from '../../src/jobs/queue.js';
import { deferred } from '../helpers/deferred.js';
import { waitUntil } from '../support/services.js';

const pgUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const suffix = randomBytes(4).toString('hex');

/** Resolves when `predicate` holds, polling; bounded. */
async function eventually(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  await waitUntil(predicate, { timeoutMs, description: what });
}

const connections: Record<string, QueueConnection> = {
  redis: { kind: 'redis', url: redisUrl, prefix: `qc_${suffix}` },
  postgres: { kind: 'postgres', url: pgUrl, schema: `qc_${suffix}` },
};

afterAll(async () => {
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS qc_${suffix} CASCADE`);
  await client.end();
});

describe.each(Object.entries(connections))('queue on %s', (_kind, conn) => {
  const open: { queues: RunQueue[]; workers: RunWorker[] } = { queues: [], workers: [] };
  let n = 0;
  const backendFor = async (): Promise<QueueBackend> => {
    n += 1;
    const backend = createQueueBackend(`conf-${suffix}-${n}`, conn, { completed: 100, failed: 100, ageSeconds: 3600 });
    await backend.prepare();
    return backend;
  };
  afterEach(async () => {
    for (const w of open.workers.splice(0)) await w.close(0);
    for (const q of open.queues.splice(0)) await q.close();
  });

  it('delivers an enqueued run id to the worker', async () => {
    const backend = await backendFor();
    const queue = backend.createQueue();
    open.queues.push(queue);
    const seen: string[] = [];
    open.workers.push(backend.createWorker(async (data) => void seen.push(data.runId), { concurrency: 1 }));
    await queue.enqueue('r-one');
    await eventually(() => seen.length === 1, 'the job');
    expect(seen).toEqual(['r-one']);
  });

  it('takes no job before startAfter settles, and takes them after', async () => {
    const backend = await backendFor();
    const queue = backend.createQueue();
    open.queues.push(queue);
    const seen: string[] = [];
    const gate = deferred<void>();
    open.workers.push(
      backend.createWorker(async (data) => void seen.push(data.runId), { concurrency: 1, startAfter: gate.promise }),
    );
    await queue.enqueue('r-before');
    // The job stays in the queue, not in the gated worker: an ungated worker started after it takes it.
    const other: string[] = [];
    const ungated = backend.createWorker(async (data) => void other.push(data.runId), { concurrency: 1 });
    await eventually(() => other.length === 1, 'the ungated worker to take the job');
    await ungated.close(0);
    expect(other).toEqual(['r-before']);
    expect(seen).toEqual([]);
    // A gate that fails opens too: a library that did not load is loaded by the run that needs it.
    gate.reject(new Error('a library did not load'));
    await queue.enqueue('r-after');
    await eventually(() => seen.length === 1, 'the job after the gate');
    expect(seen).toEqual(['r-after']);
  });

  it('closes a worker whose gate never opened, and it takes nothing', async () => {
    const backend = await backendFor();
    const queue = backend.createQueue();
    open.queues.push(queue);
    const seen: string[] = [];
    const gate = deferred<void>();
    const worker = backend.createWorker(async (data) => void seen.push(data.runId), {
      concurrency: 1,
      startAfter: gate.promise,
    });
    await queue.enqueue('r-never');
    expect(await worker.close(0)).toBe('drained');
    gate.resolve();
    // The closed worker does not start when its gate opens: the job is left for the next worker.
    const other: string[] = [];
    open.workers.push(backend.createWorker(async (data) => void other.push(data.runId), { concurrency: 1 }));
    await eventually(() => other.length === 1, 'the next worker to take the job');
    expect(other).toEqual(['r-never']);
    expect(seen).toEqual([]);
  });

  it('runs a run id enqueued twice only once (job id = run id)', async () => {
    const backend = await backendFor();
    const queue = backend.createQueue();
    open.queues.push(queue);
    await queue.enqueue('r-dup');
    await queue.enqueue('r-dup');
    expect((await queue.depth()).waiting).toBe(1);
    const seen: string[] = [];
    open.workers.push(backend.createWorker(async (data) => void seen.push(data.runId), { concurrency: 2 }));
    await queue.enqueue('r-after');
    await eventually(() => seen.includes('r-after') && seen.includes('r-dup'), 'both jobs');
    await queue.enqueue('r-dup');
    await queue.enqueue('r-sentinel');
    await eventually(() => seen.includes('r-sentinel'), 'the sentinel');
    expect(seen.filter((id) => id === 'r-dup')).toHaveLength(1);
  });

  it('runs jobs concurrently up to the configured concurrency', async () => {
    const backend = await backendFor();
    const queue = backend.createQueue();
    open.queues.push(queue);
    let active = 0;
    let maxActive = 0;
    let done = 0;
    const gate = deferred();
    open.workers.push(
      backend.createWorker(
        async () => {
          active += 1;
          maxActive = Math.max(maxActive, active);
          if (maxActive >= 3) gate.resolve();
          await gate.promise;
          active -= 1;
          done += 1;
        },
        { concurrency: 3 },
      ),
    );
    for (let i = 0; i < 6; i++) await queue.enqueue(`r-c${i}`);
    await eventually(() => done === 6, 'six jobs');
    expect(maxActive).toBe(3);
  });

  it('cancels a running job through its AbortSignal', async () => {
    const backend = await backendFor();
    const queue = backend.createQueue();
    open.queues.push(queue);
    let started = false;
    let aborted: unknown;
    const worker = backend.createWorker(
      (_data, signal) =>
        new Promise<void>((resolve) => {
          started = true;
          signal.addEventListener('abort', () => {
            aborted = signal.reason;
            resolve();
          });
        }),
      { concurrency: 1 },
    );
    open.workers.push(worker);
    await queue.enqueue('r-cancel');
    await eventually(() => started, 'the job to start');
    expect(worker.cancel('r-cancel', 'user asked')).toBe(true);
    expect(worker.cancel('r-other', 'not held')).toBe(false);
    await eventually(() => aborted !== undefined, 'the abort');
  });

  it('closing with a deadline hands an unfinished job back to another worker', async () => {
    const backend = await backendFor();
    const queue = backend.createQueue();
    open.queues.push(queue);
    const deliveries: string[] = [];
    const release = deferred();
    const timing = { concurrency: 1, lockDurationMs: 1000, stalledIntervalMs: 500 };
    const first = backend.createWorker(async (data) => {
      deliveries.push(`first:${data.runId}`);
      await release.promise;
    }, timing);
    await queue.enqueue('r-handback');
    await eventually(() => deliveries.length === 1, 'the first delivery');
    expect(await first.close(200)).toBe('forced');
    open.workers.push(backend.createWorker(async (data) => void deliveries.push(`second:${data.runId}`), timing));
    await eventually(() => deliveries.includes('second:r-handback'), 'the re-delivery', 20_000);
    release.resolve();
    expect(deliveries).toEqual(['first:r-handback', 'second:r-handback']);
  });
});
