import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Outbox } from '../../src/bot/outbox.js';
import { memoryPacer } from '../../src/bot/slack-pacer.js';
import type { MessageBody } from '../../src/bot/views/blocks.js';
import { createLogger } from '../../src/log.js';
import { type FakeSlack, slackMessageKey, startFakeSlack } from '../support/fake-slack.js';
import { waitUntil } from '../support/services.js';

const body = (text: string): MessageBody => ({ text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] });

/** A virtual clock: the outbox's waits advance it instead of passing, and are recorded. */
function virtualTime() {
  let now = 1_000_000;
  const waits: number[] = [];
  return {
    waits,
    pacer: memoryPacer(() => now),
    sleep: async (ms: number) => {
      waits.push(ms);
      now += ms;
    },
  };
}

describe('outbox', () => {
  let slack: FakeSlack;
  let client: WebClient;
  beforeAll(async () => {
    slack = await startFakeSlack();
    client = new WebClient('xoxb-test', {
      slackApiUrl: slack.url,
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
    });
  });
  afterAll(async () => {
    await slack.close();
  });

  it('coalesces a burst of progress updates so only the newest state is sent, and never after the final one', async () => {
    const outbox = new Outbox(client, createLogger('silent'), { updateIntervalMs: 200, postIntervalMs: 1 });
    const ts = await outbox.postMessage('CCOALESCE', body('start'));
    for (let i = 1; i <= 40; i++) outbox.scheduleUpdate('CCOALESCE', ts, body(`progress ${i}`));
    await waitUntil(() => slack.messages().get(slackMessageKey('CCOALESCE', ts))?.text === 'progress 40', {
      description: 'the newest progress',
    });
    const updates = slack.callsOf('chat.update').filter((c) => c.body.ts === ts);
    // One immediate send of the first state at most, then the newest: never 40 calls.
    expect(updates.length).toBeLessThanOrEqual(2);
    outbox.scheduleUpdate('CCOALESCE', ts, body('late progress'));
    await outbox.finalUpdate('CCOALESCE', ts, body('final report'));
    outbox.scheduleUpdate('CCOALESCE', ts, body('stale progress after the report'));
    await outbox.drain();
    // Nothing is left waiting to be sent, so the report stays.
    expect(outbox.backlog()).toBe(0);
    expect(slack.messages().get(slackMessageKey('CCOALESCE', ts))?.text).toBe('final report');
  });

  it('honours a 429 Retry-After and still delivers the final message once', async () => {
    const { waits, pacer, sleep } = virtualTime();
    const outbox = new Outbox(client, createLogger('silent'), { postIntervalMs: 1, backoffMs: 10, pacer, sleep });
    slack.failNext('chat.postMessage', { status: 429, retryAfter: 1 }, 2);
    const before = slack.callsOf('chat.postMessage').length;
    const ts = await outbox.postMessage('CRATELIMIT', body('report'));
    const calls = slack.callsOf('chat.postMessage').slice(before);
    expect(calls.map((c) => c.ok)).toEqual([false, false, true]);
    // Retry-After is in seconds; the outbox waited exactly that long before each retry, not its own backoff.
    expect(waits).toEqual([1000, 1000]);
    expect([...slack.messages().values()].filter((m) => m.channel === 'CRATELIMIT' && m.ts === ts)).toHaveLength(1);
  });

  it('retries transient Slack errors and gives up at once on permanent ones', async () => {
    const outbox = new Outbox(client, createLogger('silent'), { postIntervalMs: 1, backoffMs: 5 });
    slack.failNext('chat.postMessage', { error: 'internal_error' }, 1);
    await expect(outbox.postMessage('CTRANSIENT', body('x'))).resolves.toMatch(/^\d+\.\d+$/);
    slack.failNext('chat.postMessage', { error: 'channel_not_found' }, 1);
    const before = slack.callsOf('chat.postMessage').length;
    await expect(outbox.postMessage('CGONE', body('x'))).rejects.toThrow(/channel_not_found/);
    expect(slack.callsOf('chat.postMessage').length - before).toBe(1);
  });

  it('spaces posts in one channel by the per-channel interval', async () => {
    const { waits, pacer, sleep } = virtualTime();
    const outbox = new Outbox(client, createLogger('silent'), { postIntervalMs: 60_000, pacer, sleep });
    const before = slack.callsOf('chat.postMessage').length;
    await Promise.all([1, 2, 3].map((i) => outbox.postMessage('CSPACED', body(`m${i}`))));
    const calls = slack.callsOf('chat.postMessage').slice(before);
    expect(calls.map((c) => c.body.text).sort()).toEqual(['m1', 'm2', 'm3']);
    expect(calls[0]?.body.text).toBe('m1');
    // The first post goes at once; the others wait for their turns: together at least two intervals.
    expect(waits.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(120_000);
    for (const w of waits) {
      expect(w).toBeGreaterThan(0);
      expect(w).toBeLessThanOrEqual(60_000);
    }
  });
});
