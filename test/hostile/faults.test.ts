import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Bot, channels, createWorld, people, runIdOf, startBot, type World } from '../helpers/world.js';
import { waitUntil } from '../support/services.js';

/** Posts that start a run's message (not thread replies) mentioning the run. */
const runMessages = (w: World, runId: string) =>
  w.slack
    .callsOf('chat.postMessage')
    .filter((c) => c.ok && !c.body.thread_ts && JSON.stringify(c.body).includes(runId));

describe('faults', () => {
  describe('a Slack 429 storm during a run', () => {
    let world: World;
    let bot: Bot;
    beforeAll(async () => {
      world = await createWorld();
      bot = await startBot(world);
    });
    afterAll(async () => {
      await bot?.stop();
      await world?.close();
    });

    it('still delivers the final report exactly once', async () => {
      world.slack.failNext('chat.postMessage', { retryAfter: 1 }, 2);
      world.slack.failNext('chat.update', { retryAfter: 1 }, 4);
      const runId = runIdOf(await bot.command('health', { user: people.viewer }));
      const final = await bot.finalMessage(runId, 30_000);
      expect(JSON.stringify(final.blocks)).toContain('run_rerun');
      expect(runMessages(world, runId)).toHaveLength(1);
      const rateLimited = world.slack.calls.filter((c) => !c.ok);
      expect(rateLimited.length).toBeGreaterThanOrEqual(6);
    });
  });

  describe('two bots and two workers, 200 commands', () => {
    let world: World;
    let bots: Bot[] = [];
    let workers: Bot[] = [];
    beforeAll(async () => {
      world = await createWorld();
      bots = [await startBot(world, { role: 'bot' }), await startBot(world, { role: 'bot' })];
      workers = [await startBot(world, { role: 'worker' }), await startBot(world, { role: 'worker' })];
    });
    afterAll(async () => {
      for (const b of [...bots, ...workers]) await b.stop();
      await world?.close();
    });

    it('gives every command exactly one answer and one run', { timeout: 180_000 }, async () => {
      const total = 200;
      const ids: string[] = [];
      let next = 0;
      const send = async () => {
        while (next < total) {
          const i = next++;
          const reply = await (bots[i % 2] as Bot).command('pods', { user: people.viewer, channel: channels.ops });
          expect(reply.status).toBe(200);
          ids.push(runIdOf(reply));
        }
      };
      await Promise.all(Array.from({ length: 20 }, send));
      expect(new Set(ids).size).toBe(total);
      await waitUntil(
        async () => {
          const rows = await (bots[0] as Bot).query<{ n: string }>(
            "SELECT count(*) AS n FROM runs WHERE runbook = 'pods' AND status = 'succeeded' AND reported_at IS NOT NULL",
          );
          return Number(rows[0]?.n) === total;
        },
        { timeoutMs: 150_000, intervalMs: 250, description: 'all 200 runs to finish and report' },
      );
      const attempts = await (bots[0] as Bot).query<{ attempts: number; n: string }>(
        "SELECT attempts, count(*) AS n FROM runs WHERE runbook = 'pods' GROUP BY attempts",
      );
      expect(attempts).toEqual([{ attempts: 1, n: String(total) }]);
      for (const id of ids) expect(runMessages(world, id), id).toHaveLength(1);
    });
  });
});
