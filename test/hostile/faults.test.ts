import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Bot, botEnv, channels, createWorld, people, runIdOf, startBot, type World } from '../helpers/world.js';
import { waitUntil } from '../support/services.js';
import { fakeTriggerId, postSigned, slashCommandBody } from '../support/slack-signing.js';

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
      const triggers: string[] = [];
      let next = 0;
      const send = async () => {
        while (next < total) {
          const i = next++;
          const trigger = fakeTriggerId();
          triggers.push(trigger);
          const body = slashCommandBody({
            command: '/thermaliq',
            text: 'pods',
            user_id: people.viewer,
            channel_id: channels.ops,
            trigger_id: trigger,
          });
          const reply = await postSigned((bots[i % 2] as Bot).url, botEnv(world).SLACK_SIGNING_SECRET ?? '', body);
          expect(reply.status).toBe(200);
          // The answer names the run, or (on a machine too loaded to confirm within Slack's 3 s) says it may have
          // gone through; either way the run must exist exactly once, found by the request's trigger_id below.
          expect(reply.text).toMatch(/run `?r-[0-9a-f]+|could not confirm your command in time/);
        }
      };
      await Promise.all(Array.from({ length: 20 }, send));
      const perRequest = await waitUntil(
        async () => {
          const rows = await (bots[0] as Bot).query<{ id: string; request_id: string }>(
            'SELECT id, request_id FROM runs WHERE request_id = ANY($1)',
            [triggers],
          );
          return rows.length >= total ? rows : undefined;
        },
        { timeoutMs: 30_000, description: 'a run for every command' },
      );
      expect(new Set(perRequest.map((r) => r.request_id)).size).toBe(total);
      const ids = perRequest.map((r) => r.id);
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
