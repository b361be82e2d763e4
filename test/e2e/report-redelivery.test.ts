import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Bot, channels, createWorld, people, startBot, type World } from '../helpers/world.js';
import { waitUntil } from '../support/services.js';

describe('a crash between "run finished" and "report posted"', () => {
  let world: World;
  let bot: Bot;
  beforeAll(async () => {
    world = await createWorld();
    bot = await startBot(world, { env: { REPORT_REDELIVERY_MS: '200', REPORT_REDELIVERY_GRACE_MS: '0' } });
  });
  afterAll(async () => {
    await bot?.stop();
    await world?.close();
  });

  it('still posts the stored report, exactly once, after restart', async () => {
    // As a worker leaves it when it dies right after recording the outcome: final, report stored, never posted.
    const report = {
      status: 'warn',
      headline: 'Health of GL-009 THERMALIQ (production): 12 ok, 1 warn',
      items: [
        { id: 'error-rate', title: 'Error rate (24 h)', status: 'warn', value: '1.4 %', threshold: '> 1 % warns' },
      ],
      details: [],
    };
    await bot.query(
      `INSERT INTO runs (id, service, environment, runbook, risk, status, requested_by, channel_id, report, started_at, finished_at)
       VALUES ('r-crashed0001', 'thermaliq', 'production', 'health', 'read', 'succeeded', $1, $2, $3, now(), now())`,
      [people.viewer, channels.ops, JSON.stringify(report)],
    );
    const posted = await world.slack.waitFor(
      (c) => c.method === 'chat.postMessage' && JSON.stringify(c.body).includes('r-crashed0001'),
      10_000,
    );
    expect(JSON.stringify(posted.body)).toContain('1.4 %');
    await waitUntil(
      async () =>
        (await bot.query<{ reported_at: Date | null }>("SELECT reported_at FROM runs WHERE id = 'r-crashed0001'"))[0]
          ?.reported_at,
      {
        description: 'the delivery to be recorded',
      },
    );
    // Later sweeps run (they deliver a second crashed run), and none posts the first again.
    await bot.query(
      `INSERT INTO runs (id, service, environment, runbook, risk, status, requested_by, channel_id, report, started_at, finished_at)
       VALUES ('r-crashed0002', 'thermaliq', 'production', 'health', 'read', 'succeeded', $1, $2, $3, now(), now())`,
      [people.viewer, channels.ops, JSON.stringify(report)],
    );
    await world.slack.waitFor(
      (c) => c.method === 'chat.postMessage' && JSON.stringify(c.body).includes('r-crashed0002'),
      10_000,
    );
    expect(
      world.slack.callsOf('chat.postMessage').filter((c) => JSON.stringify(c.body).includes('r-crashed0001')),
    ).toHaveLength(1);
  });
});
