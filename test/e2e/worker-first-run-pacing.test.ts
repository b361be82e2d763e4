import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnWorker, type WorkerProcess } from '../helpers/spawn-worker.js';
import { type Bot, createWorld, people, runIdOf, startBot, type World } from '../helpers/world.js';
import { pacingFaults } from '../support/fake-slack.js';
import { waitUntil } from '../support/services.js';

const channelIds = ['CFIRST001', 'CFIRST002', 'CFIRST003', 'CFIRST004'];

// A worker loads the runbooks' libraries on demand. Loading one inside a run held the event loop between a Slack
// turn and its call, so the call arrived late, within a second of the next update to the same message.
describe("a fresh worker process's first runs", { timeout: 120_000 }, () => {
  let world: World;
  let bot: Bot;
  let worker: WorkerProcess | undefined;

  beforeAll(async () => {
    world = await createWorld((cfg) => {
      cfg.channels.allowed.push(...channelIds);
    });
    world.slack.enforceRateLimits();
    bot = await startBot(world, { role: 'bot', paceAsDeployed: true });
  });
  afterAll(async () => {
    await worker?.kill();
    await bot?.stop();
    await world?.close();
  });

  it('keep every message within Slack windows, as deployed (worker in its own process, 1 s pacing)', async () => {
    const ids: string[] = [];
    // Queued before the worker starts, so they are its very first jobs, all at once.
    for (const channel of channelIds) ids.push(runIdOf(await bot.command('pods', { user: people.viewer, channel })));
    worker = await spawnWorker(world, { WORKER_CONCURRENCY: '4' });
    await waitUntil(
      async () =>
        Number(
          (
            await bot.query<{ n: string }>(
              'SELECT count(*) AS n FROM runs WHERE id = ANY($1) AND reported_at IS NOT NULL',
              [ids],
            )
          )[0]?.n,
        ) === ids.length,
      { timeoutMs: 60_000, intervalMs: 100, description: 'the 4 runs to be reported' },
    );
    // Without the preload, the first runs' updates came 200–400 ms apart.
    expect(pacingFaults(world.slack.violations())).toEqual([]);
    // Each run's message was updated, and its last update was taken.
    const updates = world.slack.callsOf('chat.update').filter((c) => channelIds.includes(String(c.body.channel)));
    const last = new Map(updates.map((c) => [String(c.body.ts), c]));
    expect(last.size).toBe(ids.length);
    expect([...last.values()].every((c) => c.ok)).toBe(true);
  });
});
