import { type AddressInfo, createServer, type Socket } from 'node:net';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnWorker, type WorkerProcess } from '../helpers/spawn-worker.js';
import { type Bot, createWorld, people, runIdOf, startBot, type World } from '../helpers/world.js';
import { createHeldTable, type HeldTable } from '../support/held-table.js';
import { type PrivateRedis, startPrivateRedis } from '../support/private-redis.js';
import { waitUntil } from '../support/services.js';

// Issue 7, item 12: restarts. A run's one step is an ANALYZE of a table the test holds locked, so it waits in
// PostgreSQL while Redis or the worker is restarted, and finishes when the test lets go of the lock.

/** Short locks, so a run whose lock is no longer renewed is taken over within seconds. */
const quickLocks = { WORKER_LOCK_DURATION_MS: '2000', WORKER_STALLED_INTERVAL_MS: '500' };

/** What Slack received for a run: its channel messages, and the thread replies its final report posts. */
function slackPostsOf(world: World, runId: string, messageTs: string) {
  const posts = world.slack.callsOf('chat.postMessage').filter((c) => c.ok);
  return {
    messages: posts.filter((c) => !c.body.thread_ts && JSON.stringify(c.body).includes(runId)).length,
    reportThreads: posts.filter((c) => c.body.thread_ts === messageTs).length,
  };
}

/** The run's outcome as the store has it, with its steps. */
async function storedRun(bot: Bot, runId: string) {
  const [run] = await bot.query<{ status: string; attempts: number }>(
    'SELECT status, attempts FROM runs WHERE id = $1',
    [runId],
  );
  const steps = await bot.query<{ name: string; status: string }>(
    'SELECT name, status FROM run_steps WHERE run_id = $1 ORDER BY ordinal',
    [runId],
  );
  return { ...run, steps };
}

/** Waits for the worker process to end and returns its exit code (null when a signal killed it). */
async function exitOf(worker: WorkerProcess): Promise<number | null> {
  const { child } = worker;
  await waitUntil(() => child.exitCode !== null || child.signalCode !== null, {
    timeoutMs: 30_000,
    description: `the worker process to exit\n${worker.output()}`,
  });
  return child.exitCode;
}

describe.each(['SIGTERM', 'SIGKILL'] as const)('Redis restarted (%s) in the middle of a run', (signal) => {
  let redis: PrivateRedis;
  let world: World;
  let table: HeldTable;
  let bot: Bot;
  let jobs: Queue;
  let stopped = false;
  let probe: Redis;
  beforeAll(async () => {
    redis = await startPrivateRedis();
    world = await createWorld();
    table = await createHeldTable(world.target.url, 'meter_readings');
    // A 6 s lock is renewed every 3 s: short enough to see a renewal soon, long enough to outlast the outage.
    bot = await startBot(world, {
      env: { REDIS_URL: redis.url, WORKER_LOCK_DURATION_MS: '6000', WORKER_STALLED_INTERVAL_MS: '500' },
    });
    const prefix = world.storeSchema.replace(/_/g, '-');
    jobs = new Queue('runbooks', { connection: { host: '127.0.0.1', port: redis.port }, prefix });
    jobs.on('error', () => {});
    probe = new Redis(redis.url, { maxRetriesPerRequest: 1, connectionName: 'restarts-probe' });
    probe.on('error', () => {});
  });
  afterAll(async () => {
    if (!stopped) await Promise.all([bot?.stop(), jobs?.close()]);
    probe?.disconnect();
    await table?.close();
    await world?.close();
    await redis?.close();
  });

  // Bounded, so a probe that hangs (a queue call waiting for Redis) counts as "not yet" instead of stalling the wait.
  const ready = async () =>
    (await fetch(`http://127.0.0.1:${bot.instance.port}/readyz`, { signal: AbortSignal.timeout(2_000) })).status;
  /** Milliseconds left on the run's job lock, as the worker holding it last set them (BullMQ's `<job>:lock` key). */
  const lockTtl = (runId: string) => probe.pttl(`${world.storeSchema.replace(/_/g, '-')}:runbooks:${runId}:lock`);

  it('finishes the run once after reconnecting, refuses commands while down, and takes new ones after', async () => {
    const analyzedBefore = await table.analyzeCount();
    const lock = await table.lock();
    const runId = runIdOf(await bot.command(`db analyze ${table.name}`, { user: people.operator }));
    await table.waitingAnalyze();

    await redis.stop(signal);
    await waitUntil(async () => (await ready()) === 503, { description: 'the bot to see the queue is down' });
    // The producer fails fast: the user hears at once that nothing ran, instead of the ack deadline's "in time".
    const refused = await bot.command(`db analyze ${table.name}`, { user: people.operator });
    expect(refused.status).toBe(200);
    // The answer and the record agree: the run it names is closed as failed, with that error id, and answered (so
    // no sweeper posts a failure for it later).
    const [refusedRun] = await bot.query<{
      id: string;
      status: string;
      error: string;
      error_id: string;
      reported: boolean;
    }>(
      "SELECT id, status, error, error_id, reported_at IS NOT NULL AS reported FROM runs WHERE id <> $1 AND runbook = 'db analyze'",
      [runId],
    );
    expect(refused.text).toContain(
      `Run ${refusedRun?.id} was recorded, but the job queue did not take it (it is closed as failed), so nothing was run and nothing will be.`,
    );
    expect(refused.text).toContain(`Error id: ${refusedRun?.error_id}.`);
    expect(refusedRun).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/^the job queue did not take the run: /),
      reported: true,
    });

    await redis.start();
    // The job and its lock survived the restart (append-only file), and the worker renews the lock again: its TTL
    // rises, which only a renewal does. Without that, stalled-job recovery would hand the run to a second delivery.
    expect(await jobs.getJobState(runId)).toBe('active');
    let lowest = await lockTtl(runId);
    expect(lowest).toBeGreaterThan(0);
    await waitUntil(
      async () => {
        const ttl = await lockTtl(runId);
        lowest = Math.min(lowest, ttl);
        return ttl > lowest + 1000;
      },
      { timeoutMs: 15_000, description: 'the worker to renew the run lock after the restart' },
    );
    await waitUntil(async () => (await ready()) === 200, {
      timeoutMs: 10_000,
      description: 'the producer to reconnect',
    });

    await lock.release();
    const final = await bot.finalMessage(runId, 30_000);
    expect(JSON.stringify(final.blocks)).toContain('analyze_count');
    expect(await storedRun(bot, runId)).toEqual({
      status: 'succeeded',
      attempts: 1,
      steps: [{ name: 'maintain', status: 'succeeded' }],
    });
    // BullMQ recorded the completion in the restarted Redis, so nothing will deliver the run again.
    await waitUntil(async () => (await jobs.getJobState(runId)) === 'completed', {
      description: 'the job to be completed in Redis',
    });
    await world.slack.waitFor((c) => c.method === 'chat.postMessage' && c.body.thread_ts === final.ts, 10_000);
    expect(slackPostsOf(world, runId, final.ts)).toEqual({ messages: 1, reportThreads: 1 });

    // A command after the restart is queued and run: producer and worker both reconnected.
    const nextId = runIdOf(await bot.command(`db analyze ${table.name}`, { user: people.operator }));
    await bot.finalMessage(nextId, 30_000);
    expect((await storedRun(bot, nextId)).status).toBe('succeeded');
    await table.noAnalyzeLeft();
    expect(await table.analyzeCount()).toBe(analyzedBefore + 2);
  });

  it('still carries a cancel click to the worker holding the run (the bus resubscribed)', async () => {
    await redis.stop(signal);
    await waitUntil(async () => (await ready()) === 503, { description: 'the bot to see the queue is down' });
    await redis.start();
    await waitUntil(async () => (await ready()) === 200, {
      timeoutMs: 10_000,
      description: 'the producer to reconnect',
    });
    const lock = await table.lock();
    try {
      const analyzedBefore = await table.analyzeCount();
      const runId = runIdOf(await bot.command(`db analyze ${table.name}`, { user: people.operator }));
      await table.waitingAnalyze();
      await bot.click('run_cancel', runId, { user: people.operator });
      // The step is still stuck behind the lock: only the broadcast can have interrupted it.
      await bot.runStatus(runId, 'cancelled', 10_000);
      await table.noAnalyzeLeft();
      expect(await table.analyzeCount()).toBe(analyzedBefore);
    } finally {
      await lock.release();
    }
  });

  it('closes every Redis connection it opened when it stops', async () => {
    stopped = true;
    await Promise.all([bot.stop(), jobs.close()]);
    // Only this test's probe is left: a connection kept open would reconnect forever once this Redis is gone.
    await waitUntil(
      async () => {
        const clients = String(await probe.client('LIST'))
          .trim()
          .split('\n');
        const others = clients.filter((c) => !c.includes(' name=restarts-probe '));
        if (others.length > 0) throw new Error(`still connected:\n${others.join('\n')}`);
        return true;
      },
      { description: 'every connection but the probe to be closed' },
    );
  });
});

describe('SIGTERM to a worker in the middle of a run', () => {
  let world: World;
  let table: HeldTable;
  let bot: Bot;
  let takeover: Bot | undefined;
  const workers: WorkerProcess[] = [];
  beforeAll(async () => {
    world = await createWorld();
    table = await createHeldTable(world.target.url, 'meter_readings');
    bot = await startBot(world, { role: 'bot' });
  });
  afterAll(async () => {
    for (const w of workers) await w.kill();
    await takeover?.stop();
    await bot?.stop();
    await table?.close();
    await world?.close();
  });

  // Each of these boots a worker process (tsx compiles the bot on start), which alone may take a while on a busy box.
  const processTimeout = { timeout: 120_000 };

  it('exits within SHUTDOWN_TIMEOUT_MS while Slack accepts connections and never answers', processTimeout, async () => {
    // A Slack that takes the connection and then says nothing, ever.
    const held: Socket[] = [];
    const silent = createServer((socket) => {
      held.push(socket);
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as AddressInfo).port;
    try {
      const worker = await spawnWorker(world, {
        SHUTDOWN_TIMEOUT_MS: '3000',
        SLACK_API_URL: `http://127.0.0.1:${port}/api/`,
        ...quickLocks,
      });
      workers.push(worker);
      const runId = runIdOf(await bot.command('health', { user: people.viewer }));
      // The worker took the run and is stuck posting its message to the silent Slack.
      await waitUntil(async () => held.length > 0, {
        timeoutMs: 30_000,
        description: `the worker to call Slack for ${runId}`,
      });
      worker.child.kill('SIGTERM');
      // exitOf waits at most 30 s: the old drain, retrying Slack with backoff, took over a minute.
      expect(await exitOf(worker)).toBe(0);
      expect(worker.output()).toContain('outbox drain deadline passed');
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('lets a step that ends within SHUTDOWN_TIMEOUT_MS finish, reports once and exits 0', processTimeout, async () => {
    // Quick locks here too: BullMQ's stalled check is throttled queue-wide by whichever worker ran it last.
    const worker = await spawnWorker(world, { SHUTDOWN_TIMEOUT_MS: '30000', ...quickLocks });
    workers.push(worker);
    const analyzedBefore = await table.analyzeCount();
    const lock = await table.lock();
    const runId = runIdOf(await bot.command(`db analyze ${table.name}`, { user: people.operator }));
    await table.waitingAnalyze();

    worker.child.kill('SIGTERM');
    await waitUntil(() => worker.output().includes('shutting down'), {
      description: `the worker to start shutting down\n${worker.output()}`,
    });
    await lock.release();
    expect(await exitOf(worker)).toBe(0);
    expect(worker.output()).toMatch(/"outcome":"drained".*"msg":"worker stopped"/);

    const final = await bot.finalMessage(runId);
    expect(await storedRun(bot, runId)).toEqual({
      status: 'succeeded',
      attempts: 1,
      steps: [{ name: 'maintain', status: 'succeeded' }],
    });
    await world.slack.waitFor((c) => c.method === 'chat.postMessage' && c.body.thread_ts === final.ts, 10_000);
    expect(slackPostsOf(world, runId, final.ts)).toEqual({ messages: 1, reportThreads: 1 });
    await table.noAnalyzeLeft();
    expect(await table.analyzeCount()).toBe(analyzedBefore + 1);
  });

  it(
    'hands a step that outlasts the deadline to another worker, which runs it once; exits 0',
    processTimeout,
    async () => {
      const doomed = await spawnWorker(world, { SHUTDOWN_TIMEOUT_MS: '300', ...quickLocks });
      workers.push(doomed);
      const analyzedBefore = await table.analyzeCount();
      const lock = await table.lock();
      const runId = runIdOf(await bot.command(`db analyze ${table.name}`, { user: people.operator }));
      const first = await table.waitingAnalyze();

      doomed.child.kill('SIGTERM');
      expect(await exitOf(doomed)).toBe(0);
      expect(doomed.output()).toMatch(/"outcome":"forced".*"msg":"worker stopped"/);
      // At the deadline the step was aborted through its signal, and it recorded nothing final: it is handed back.
      expect(doomed.output()).toMatch(
        /"step":"maintain".*"msg":"step stopped by the shutdown; the run goes to another worker"/,
      );
      expect(await storedRun(bot, runId)).toEqual({
        status: 'running',
        attempts: 1,
        steps: [{ name: 'maintain', status: 'running' }],
      });

      // The statement the dead worker left waiting is ended by the server (client_connection_check_interval), so it
      // can never complete behind the next worker's back, VERBOSE or not.
      await table.noAnalyzeLeft(10_000);
      takeover = await startBot(world, { role: 'worker', env: quickLocks });
      await waitUntil(async () => (await storedRun(bot, runId)).attempts === 2, {
        timeoutMs: 30_000,
        description: 'the run to be delivered to the other worker',
      });
      await table.waitingAnalyze({ except: first });
      await lock.release();

      const final = await bot.finalMessage(runId, 30_000);
      expect(await storedRun(bot, runId)).toEqual({
        status: 'succeeded',
        attempts: 2,
        steps: [{ name: 'maintain', status: 'succeeded' }],
      });
      await world.slack.waitFor((c) => c.method === 'chat.postMessage' && c.body.thread_ts === final.ts, 10_000);
      expect(slackPostsOf(world, runId, final.ts)).toEqual({ messages: 1, reportThreads: 1 });
      // The step ran to completion once.
      await table.noAnalyzeLeft();
      expect(await table.analyzeCount()).toBe(analyzedBefore + 1);
    },
  );
});
