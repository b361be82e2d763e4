import { createPostgresBackend, type Job, Queue, runMigrations, Worker, withBackend } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { naturalBatcher } from '../batcher.js';
import { WorkerStopping } from './worker-stopping.js';

/** The data of a run job: the run id and which delivery it is; everything else is read from the store. */
export interface RunJobData {
  /** Empty for a scheduler's tick, which carries `schedule` instead. */
  runId: string;
  /** The schedule (from the ops config) whose tick this job is. */
  schedule?: string;
  /** 0 for the first job of a run; each approval or retry queues the run again with the next number. */
  seq?: number;
}

/** The job id of a run's delivery: the run id itself for the first, `<run id>-<seq>` after that. */
export function jobIdFor(runId: string, seq = 0): string {
  return seq === 0 ? runId : `${runId}-${seq}`;
}

/** How long BullMQ keeps finished jobs (the job id dedupes only while the job is retained). */
export interface Retention {
  completed: number;
  failed: number;
  ageSeconds: number;
}

/** Where the queue lives. */
export type QueueConnection =
  | { kind: 'redis'; url: string; prefix: string }
  | { kind: 'postgres'; url: string; schema: string };

/** The producer side: enqueue runs by id and read the depth. */
export interface RunQueue {
  /** Enqueues a run's delivery; the job id is derived from the run id, so enqueueing it twice runs it once. */
  enqueue(runId: string, seq?: number): Promise<void>;
  /** Jobs waiting, delayed or active. */
  depth(): Promise<{ waiting: number; active: number; delayed: number }>;
  /** Creates or updates a cron job scheduler by id; its ticks arrive as jobs with `{ schedule }`. */
  upsertSchedule(id: string, cron: { pattern: string; tz: string }, schedule: string): Promise<void>;
  /** Removes a job scheduler; false when it did not exist. */
  removeSchedule(id: string): Promise<boolean>;
  /** Every job scheduler on the queue. */
  listSchedules(): Promise<ScheduleInfo[]>;
  close(): Promise<void>;
}

/** The consumer side. */
export interface RunWorker {
  /** Cancels a run this worker holds; false if it does not hold it. */
  cancel(runId: string, reason: string): boolean;
  /** The runs this worker holds now. */
  held(): string[];
  /**
   * Stops taking jobs and waits up to `deadlineMs` for running ones; after that it force-closes,
   * and BullMQ's stalled-job recovery hands the unfinished job to another worker.
   */
  close(deadlineMs: number): Promise<'drained' | 'forced'>;
}

/** The processor the worker runs: gets the run id and an AbortSignal for cancel. */
export type RunProcessor = (data: RunJobData, signal: AbortSignal, meta: JobMeta) => Promise<void>;

/** Facts about the job itself. */
export interface JobMeta {
  jobId?: string;
  /** When the job was meant to run (a scheduler tick's fire time), in epoch ms. */
  scheduledFor: number;
}

/** A job scheduler as the queue reports it. */
export interface ScheduleInfo {
  id: string;
  pattern?: string;
  tz?: string;
  /** Next fire time, epoch ms. */
  next?: number;
}

/** Worker options we set. */
export interface WorkerOptions {
  concurrency: number;
  /** Lock TTL; a crashed worker's job is re-delivered after about this long. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /**
   * The worker takes no job before this settles. A job is held under a lock that must be renewed: work that holds
   * the event loop (loading the runbooks' libraries) belongs before the first job, not beside it.
   */
  startAfter?: Promise<unknown>;
}

/** Builds queues and workers on one backend. */
export interface QueueBackend {
  kind: QueueConnection['kind'];
  name: string;
  createQueue(): RunQueue;
  createWorker(processor: RunProcessor, opts: WorkerOptions): RunWorker;
  /** Prepares the backend (PostgreSQL: runs BullMQ's migrations). Must finish before any worker starts. */
  prepare(): Promise<void>;
}

function redisClient(url: string, forWorker: boolean): Redis {
  return new Redis(url, {
    // Workers block on Redis and must retry forever; producers fail fast so the user hears about it in the ack.
    maxRetriesPerRequest: forWorker ? null : 1,
    enableOfflineQueue: forWorker,
    connectTimeout: 2_000,
  });
}

const jobName = 'run';
/** How long steps aborted at shutdown get to unwind (cancel their statements, log) before the connections close. */
const unwindMs = 500;

/** Creates the queue backend for a connection. */
export function createQueueBackend(name: string, conn: QueueConnection, retention: Retention): QueueBackend {
  const jobOptions = {
    attempts: 3,
    backoff: { type: 'exponential' as const, delay: 2_000 },
    removeOnComplete: { count: retention.completed, age: retention.ageSeconds },
    removeOnFail: { count: retention.failed, age: retention.ageSeconds },
  };

  /** Only the queue calls we actually use, so both backends' classes fit. */
  interface QueueLike {
    on(event: 'error', listener: (err: Error) => void): unknown;
    addBulk(jobs: { name: string; data: RunJobData; opts: object }[]): Promise<unknown>;
    upsertJobScheduler(
      id: string,
      repeat: { pattern: string; tz: string },
      template: { name: string; data: RunJobData; opts: object },
    ): Promise<unknown>;
    removeJobScheduler(id: string): Promise<boolean>;
    getJobSchedulers(
      start?: number,
      end?: number,
    ): Promise<{ key: string; id?: string | null; pattern?: string; tz?: string; next?: number }[]>;
    getJobCounts(...types: string[]): Promise<Record<string, number>>;
    close(): Promise<void>;
  }
  /** Only the worker calls we actually use. */
  interface WorkerLike {
    on(event: 'error', listener: (err: Error) => void): unknown;
    run(): Promise<void>;
    pause(doNotWaitActive?: boolean): Promise<void>;
    close(force?: boolean): Promise<void>;
  }
  type JobHandler = (job: Job<RunJobData>, token?: string, signal?: AbortSignal) => Promise<void>;

  const pgConnection = { connectionString: conn.url, schema: conn.kind === 'postgres' ? conn.schema : '', max: 4 };
  // BullMQ treats a Redis client passed in as shared and leaves it open on close(), so the makers return the client
  // they made for the caller to disconnect. Left open, it kept reconnecting forever once that Redis went away.
  const makeQueue = (): { queue: QueueLike; redis?: Redis } => {
    if (conn.kind === 'redis') {
      const redis = redisClient(conn.url, false);
      return { queue: new Queue<RunJobData>(name, { connection: redis, prefix: conn.prefix }), redis };
    }
    const pgClasses = withBackend(createPostgresBackend);
    return { queue: new pgClasses.Queue<RunJobData>(name, { connection: pgConnection }) };
  };

  const makeWorker = (handler: JobHandler, opts: WorkerOptions): { worker: WorkerLike; redis?: Redis } => {
    const common = {
      concurrency: opts.concurrency,
      lockDuration: opts.lockDurationMs ?? 30_000,
      stalledInterval: opts.stalledIntervalMs ?? 30_000,
      maxStalledCount: 2,
      autorun: opts.startAfter === undefined,
    };
    if (conn.kind === 'redis') {
      const redis = redisClient(conn.url, true);
      const worker = new Worker<RunJobData>(name, handler, { ...common, connection: redis, prefix: conn.prefix });
      return { worker, redis };
    }
    const pgClasses = withBackend(createPostgresBackend);
    return { worker: new pgClasses.Worker<RunJobData>(name, handler, { ...common, connection: pgConnection }) };
  };

  return {
    kind: conn.kind,
    name,
    async prepare() {
      if (conn.kind !== 'postgres') return;
      const client = new pg.Client({ connectionString: conn.url });
      await client.connect();
      try {
        await runMigrations(client, conn.schema);
      } finally {
        await client.end();
      }
    },
    createQueue() {
      const { queue, redis } = makeQueue();
      // Enqueue and the other calls reject to their callers; with no listener BullMQ prints each lost connection.
      queue.on('error', () => {});
      // Runs requested together are added together: one round trip for what arrives while earlier adds are in flight.
      const add = naturalBatcher<RunJobData, void>(
        async (jobs) => {
          await queue.addBulk(
            jobs.map((data) => ({
              name: jobName,
              data,
              opts: { ...jobOptions, jobId: jobIdFor(data.runId, data.seq) },
            })),
          );
          return jobs.map(() => undefined);
        },
        { maxInFlight: 2, maxBatch: 100 },
      );
      return {
        enqueue(runId, seq = 0) {
          return add({ runId, seq });
        },
        async upsertSchedule(id, cron, schedule) {
          await queue.upsertJobScheduler(
            id,
            { pattern: cron.pattern, tz: cron.tz },
            {
              name: 'schedule',
              data: { runId: '', schedule },
              opts: {
                attempts: 1,
                removeOnComplete: jobOptions.removeOnComplete,
                removeOnFail: jobOptions.removeOnFail,
              },
            },
          );
        },
        removeSchedule(id) {
          return queue.removeJobScheduler(id);
        },
        async listSchedules() {
          const all = await queue.getJobSchedulers(0, -1);
          return all.map((s) => ({ id: s.id ?? s.key, pattern: s.pattern, tz: s.tz, next: s.next }));
        },
        async depth() {
          const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
          return { waiting: (c.waiting ?? 0) + (c.prioritized ?? 0), active: c.active ?? 0, delayed: c.delayed ?? 0 };
        },
        async close() {
          await queue.close();
          redis?.disconnect();
        },
      };
    },
    createWorker(processor, opts) {
      let active = 0;
      let idle = Promise.resolve();
      let markIdle: () => void = () => {};
      // Our own abort per run: BullMQ's cancelJob is keyed by job id, and a run has one job id per delivery.
      const running = new Map<string, AbortController>();
      const { worker, redis } = makeWorker(async (job, _token, signal) => {
        if (active === 0) idle = new Promise<void>((r) => (markIdle = r));
        active += 1;
        const cancel = new AbortController();
        running.set(job.data.runId, cancel);
        try {
          await processor(job.data, signal ? AbortSignal.any([signal, cancel.signal]) : cancel.signal, {
            jobId: job.id,
            scheduledFor: job.timestamp + (job.opts.delay ?? 0),
          });
        } finally {
          running.delete(job.data.runId);
          active -= 1;
          if (active === 0) markIdle();
        }
      }, opts);
      // A worker error (lost connection) is retried by BullMQ; it must not crash the process.
      worker.on('error', () => {});
      // run() returns once the worker closes; a worker closed before it starts does not start.
      const startWorker = () => void worker.run().catch(() => {});
      opts.startAfter?.then(startWorker, startWorker);
      return {
        cancel(runId, reason) {
          const controller = running.get(runId);
          controller?.abort(reason);
          return controller !== undefined;
        },
        held() {
          return [...running.keys()];
        },
        async close(deadlineMs) {
          // Stop fetching first; BullMQ's own close() would wait for active jobs without a deadline.
          await worker.pause(true);
          let timer: NodeJS.Timeout | undefined;
          const deadline = new Promise<'forced'>((resolve) => {
            timer = setTimeout(() => resolve('forced'), deadlineMs);
          });
          const outcome =
            active === 0 ? 'drained' : await Promise.race([idle.then(() => 'drained' as const), deadline]);
          clearTimeout(timer);
          // Forced: the lock is no longer renewed, so stalled-job recovery re-delivers the job elsewhere.
          await worker.close(true);
          if (outcome === 'forced') {
            // Only now, with the queue's connections closed, so the job can be neither completed nor failed: the
            // steps still running stop (their statements are cancelled) and record nothing final.
            for (const controller of running.values()) controller.abort(new WorkerStopping());
            let unwind: NodeJS.Timeout | undefined;
            await Promise.race([idle, new Promise<void>((r) => (unwind = setTimeout(r, unwindMs)))]);
            clearTimeout(unwind);
          }
          redis?.disconnect();
          return outcome;
        },
      };
    },
  };
}
