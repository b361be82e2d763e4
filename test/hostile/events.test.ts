import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type Bot, botEnv, channels, createWorld, people, startBot, type World } from '../helpers/world.js';
import { postSigned } from '../support/slack-signing.js';

/**
 * Issue 7 asks that Events API deliveries be deduplicated on `event_id` if the bot subscribes to any. It subscribes
 * to none: everything arrives as slash commands and interactions, which Slack never retries. These tests keep it so:
 * the manifest asks for no events, and an event Slack sends anyway (and retries) is acked and changes nothing.
 * Whoever adds an event subscription must add the dedupe first; the manifest test is the tripwire.
 */
describe('Events API', () => {
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

  it('the app manifest subscribes to no events (they would need event_id dedupe)', () => {
    const manifest: unknown = parse(readFileSync('manifest.yml', 'utf8'));
    expect(manifest).toMatchObject({ settings: { interactivity: { is_enabled: true } } });
    expect(JSON.stringify(manifest)).not.toContain('event_subscriptions');
    expect(readFileSync('src/bot/app.ts', 'utf8')).not.toMatch(/\bapp\.(event|message)\(/);
  });

  it('acks an event delivery and its retries with 200, and records nothing', async () => {
    const secret = botEnv(world).SLACK_SIGNING_SECRET ?? '';
    const body = JSON.stringify({
      token: 'fake-verification-token',
      team_id: 'T0FAKE',
      api_app_id: 'A0FAKEAPP',
      type: 'event_callback',
      event_id: 'Ev0DUPLICATE1',
      event_time: Math.floor(Date.now() / 1000),
      event: {
        type: 'app_mention',
        user: people.admin,
        text: `<@${world.slack.botUserId}> restore latest`,
        channel: channels.ops,
        ts: '1700000000.000100',
        event_ts: '1700000000.000100',
      },
    });
    const before = await bot.query<{ n: string }>(
      'SELECT (SELECT count(*) FROM runs) + (SELECT count(*) FROM audit_events) AS n',
    );
    for (const retry of [undefined, '1', '2']) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (retry) {
        headers['x-slack-retry-num'] = retry;
        headers['x-slack-retry-reason'] = 'http_timeout';
      }
      const res = await postSigned(bot.url, secret, body, { headers });
      expect(res.status).toBe(200);
    }
    const after = await bot.query<{ n: string }>(
      'SELECT (SELECT count(*) FROM runs) + (SELECT count(*) FROM audit_events) AS n',
    );
    expect(after).toEqual(before);
    expect(world.slack.callsOf('chat.postMessage')).toHaveLength(0);
  });

  it('answers the URL verification challenge Slack sends when an events URL is configured', async () => {
    const secret = botEnv(world).SLACK_SIGNING_SECRET ?? '';
    const body = JSON.stringify({ token: 'fake-verification-token', challenge: 'c-3x4mpl3', type: 'url_verification' });
    const res = await postSigned(bot.url, secret, body, { headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(200);
    expect(res.text).toContain('c-3x4mpl3');
  });
});
