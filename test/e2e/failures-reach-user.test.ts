import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueueBackend } from '../../src/jobs/queue.js';
import { type Bot, channels, createWorld, people, startBot, type World } from '../helpers/world.js';
import { redisUrl, waitUntil } from '../support/services.js';

describe('a failure anywhere still reaches the user', () => {
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

  it('posts a short failure with an error id when a run cannot be carried out', async () => {
    // A run whose runbook no longer exists (e.g. removed by a deploy while queued).
    await bot.query(
      `INSERT INTO runs (id, service, environment, runbook, risk, status, requested_by, channel_id)
       VALUES ('r-gone000001', 'thermaliq', 'production', 'retired-runbook', 'read', 'queued', $1, $2)`,
      [people.operator, channels.ops],
    );
    const backend = createQueueBackend(
      'runbooks',
      { kind: 'redis', url: redisUrl(), prefix: world.storeSchema.replace(/_/g, '-') },
      { completed: 10, failed: 10, ageSeconds: 60 },
    );
    const queue = backend.createQueue();
    await queue.enqueue('r-gone000001');
    await queue.close();
    const post = await world.slack.waitFor(
      (c) => c.method === 'chat.postMessage' && JSON.stringify(c.body).includes('r-gone000001'),
    );
    expect(String(post.body.text)).toMatch(/retired-runbook.*no longer configured.*error E[0-9A-F]{8}/);
    const [row] = await bot.query<{ status: string; error_id: string }>(
      "SELECT status, error_id FROM runs WHERE id = 'r-gone000001'",
    );
    expect(row?.status).toBe('failed');
    expect(String(post.body.text)).toContain(row?.error_id);
  });

  it('answers within the ack with an error id when the state store fails, and enqueues nothing', async () => {
    await bot.query('ALTER TABLE runs RENAME TO runs_away');
    try {
      const reply = await bot.command('health', { user: people.viewer });
      expect(reply.status).toBe(200);
      const text = String((reply.json as { text?: string }).text);
      expect(text).toMatch(/could not record your command.*Nothing was run\. Error id `E[0-9A-F]{8}`/);
    } finally {
      await bot.query('ALTER TABLE runs_away RENAME TO runs');
    }
    const backend = createQueueBackend(
      'runbooks',
      { kind: 'redis', url: redisUrl(), prefix: world.storeSchema.replace(/_/g, '-') },
      { completed: 10, failed: 10, ageSeconds: 60 },
    );
    const queue = backend.createQueue();
    const depth = await waitUntil(async () => queue.depth(), { description: 'queue depth' });
    await queue.close();
    expect(depth.waiting + depth.active).toBe(0);
  });
});
