import { WebClient } from '@slack/web-api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Outbox } from '../../src/bot/outbox.js';
import { createSlackPacer, type SlackPacer } from '../../src/bot/slack-pacer.js';
import { turnCheckedFetch } from '../../src/bot/slack-turn.js';
import type { MessageBody } from '../../src/bot/views/blocks.js';
import { createLogger } from '../../src/log.js';
import { captureLog } from '../helpers/world.js';
import {
  type FakeSlack,
  pacingFaults,
  type SlackCall,
  slackMessageKey,
  startFakeSlack,
} from '../support/fake-slack.js';
import { createTestDatabase, redisUrl, type TestDatabase, uniquePrefix, waitUntil } from '../support/services.js';

const body = (text: string): MessageBody => ({ text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] });

/**
 * What the stand-in recorded that Slack would refuse: any call before its Retry-After, and any two calls of one
 * window closer than 900 ms. The outbox starts them 1050 ms apart; arrival jitter on a loaded 2-core box can eat part
 * of that margin (Slack itself allows short bursts), but not 150 ms of it.
 */
const refusals = (s: FakeSlack) => pacingFaults(s.violations());

/** Gaps in ms between consecutive accepted calls. */
const gaps = (calls: SlackCall[]) => calls.slice(1).map((c, i) => c.at - (calls[i]?.at ?? 0));

describe('Slack limits, against a Slack stand-in that enforces its windows and Retry-After', () => {
  let slack: FakeSlack;
  let db: TestDatabase;
  const pacers: SlackPacer[] = [];
  const outboxes: Outbox[] = [];
  beforeAll(async () => {
    db = await createTestDatabase('pacer');
  });
  afterEach(async () => {
    for (const o of outboxes.splice(0)) await o.drain(1000);
    for (const p of pacers.splice(0)) await p.close();
    await slack?.close();
  });
  afterAll(async () => {
    await db.drop();
  });

  /** A fresh enforcing Slack, and `n` outboxes (instances) sharing one pacer store. */
  /** What the outboxes logged (a store that failed, a call held back), for a failure to show. */
  let outboxLog = captureLog();
  /** Every call of a method, with who sent it and when it arrived, and what the outboxes logged. */
  const explain = (method: string) =>
    `calls:\n${slack
      .callsOf(method)
      .map((c) => `${c.at} ${c.ok ? 'ok' : 'refused'} ${String(c.body.text)}`)
      .join('\n')}\noutbox log:\n${outboxLog.text()}`;

  async function instances(
    n: number,
    store: 'redis' | 'postgres' = 'redis',
    /** The fetch instance i sends with, under the turn check (a slow wire). */
    fetchFor: (i: number) => typeof fetch = () => fetch,
    /** What instance i's client does before the turn check (a process stalled inside the client). */
    beforeCheck: (i: number, checked: typeof fetch) => typeof fetch = (_i, checked) => checked,
  ): Promise<Outbox[]> {
    slack = await startFakeSlack();
    slack.enforceRateLimits();
    outboxLog = captureLog();
    const prefix = uniquePrefix('pacer');
    const made: Outbox[] = [];
    for (let i = 0; i < n; i++) {
      const pacer = createSlackPacer(
        store === 'redis'
          ? { kind: 'redis', url: redisUrl(), prefix }
          : { kind: 'postgres', url: db.url, schema: 'public' },
      );
      pacers.push(pacer);
      const client = new WebClient('xoxb-test', {
        slackApiUrl: slack.url,
        rejectRateLimitedCalls: true,
        retryConfig: { retries: 0 },
        // As main.ts builds it: a call whose turn grew old before the wire is held back for the next turn.
        fetch: beforeCheck(i, turnCheckedFetch(fetchFor(i)) as typeof fetch),
      });
      const o = new Outbox(client, createLogger('info', outboxLog.stream).child({ instance: i }), {
        pacer,
        backoffMs: 50,
      });
      outboxes.push(o);
      made.push(o);
    }
    return made;
  }

  it('one message: at most one chat.update a second, the final one included, newest state last', async () => {
    const [outbox] = await instances(1);
    if (!outbox) throw new Error('no outbox');
    const ts = await outbox.postMessage('CHEALTH', body('health: starting'));
    // A health run's progress comes in bursts (checks finishing together): each burst coalesces to its newest state.
    for (let round = 1; round <= 3; round++) {
      for (let i = 1; i <= 8; i++) outbox.scheduleUpdate('CHEALTH', ts, body(`progress ${round}.${i}`));
      await slack.waitFor((c) => c.method === 'chat.update' && c.ok && c.body.text === `progress ${round}.8`, 10_000);
    }
    await outbox.finalUpdate('CHEALTH', ts, body('report'));
    outbox.scheduleUpdate('CHEALTH', ts, body('stale progress'));
    await outbox.drain(2000);
    const updates = slack.callsOf('chat.update').filter((c) => c.ok);
    expect(refusals(slack)).toEqual([]);
    expect(Math.min(...gaps(updates))).toBeGreaterThanOrEqual(900);
    expect(updates.map((u) => u.body.text)).toEqual(['progress 1.8', 'progress 2.8', 'progress 3.8', 'report']);
    expect(updates.at(-1)?.body.text).toBe('report');
    expect(slack.messages().get(slackMessageKey('CHEALTH', ts))?.text).toBe('report');
  }, 20_000);

  it('a call that reaches Slack late (its process stalled after its turn) still leaves the next a full second', async () => {
    // Every other chat.update stalls 300 ms between its turn and the wire, as a process starved of CPU does.
    let updates = 0;
    const stalling: typeof fetch = async (input, init) => {
      if (String(input).endsWith('/chat.update')) {
        updates += 1;
        if (updates % 2 === 1) await new Promise((r) => setTimeout(r, 300));
      }
      return fetch(input, init);
    };
    const [outbox] = await instances(1, 'redis', () => stalling);
    if (!outbox) throw new Error('no outbox');
    const ts = await outbox.postMessage('CSTALL', body('start'));
    for (let i = 1; i <= 5; i++) {
      outbox.scheduleUpdate('CSTALL', ts, body(`progress ${i}`));
      await slack.waitFor((c) => c.method === 'chat.update' && c.ok && c.body.text === `progress ${i}`, 10_000);
    }
    await outbox.drain(2000);
    const accepted = slack.callsOf('chat.update').filter((c) => c.ok);
    expect(accepted).toHaveLength(5);
    expect(slack.violations()).toEqual([]);
    // Measured at the stand-in, where Slack measures: the stall is not taken out of the next call's second.
    expect(Math.min(...gaps(accepted))).toBeGreaterThanOrEqual(1000);
  }, 30_000);

  for (const store of ['redis', 'postgres'] as const) {
    it(`a call whose process stalls between its turn and the wire is held back for a later turn (${store})`, async () => {
      // Instance 0's first post stalls 1.2 s in the client before the wire, as a process starved of CPU does; instance
      // 1 takes the next turns meanwhile. Sent anyway, the stalled call would land within Slack's second of one of them.
      let stalled = false;
      const stallFirstPost =
        (checked: typeof fetch): typeof fetch =>
        async (input, init) => {
          if (!stalled && String(input).endsWith('/chat.postMessage')) {
            stalled = true;
            await new Promise((r) => setTimeout(r, 1200));
          }
          return checked(input, init);
        };
      const [a, b] = await instances(
        2,
        store,
        () => fetch,
        (i, checked) => (i === 0 ? stallFirstPost(checked) : checked),
      );
      if (!a || !b) throw new Error('no outboxes');
      const first = a.postMessage('CSTALLED', body('a'));
      // Instance 0 holds its turn, stalled in its client, before instance 1 asks for the next.
      await waitUntil(() => stalled, { timeoutMs: 5_000, description: "instance 0's post to stall" });
      await Promise.all([first, ...[1, 2, 3].map((i) => b.postMessage('CSTALLED', body(`b${i}`)))]);
      const posts = slack.callsOf('chat.postMessage').filter((c) => c.body.channel === 'CSTALLED');
      expect(posts.filter((c) => c.ok)).toHaveLength(4);
      expect(refusals(slack)).toEqual([]);
      expect(Math.min(...gaps(posts))).toBeGreaterThanOrEqual(1000);
      // The stalled call went out in a later turn: after at least one of instance 1's.
      expect(posts.map((c) => c.body.text).indexOf('a')).toBeGreaterThan(0);
    }, 30_000);
  }

  it('a 429 storm: no call is ever sent before its Retry-After, and the newest state and the report arrive', async () => {
    const [outbox] = await instances(1);
    if (!outbox) throw new Error('no outbox');
    const ts = await outbox.postMessage('CSTORM', body('start'));
    slack.failNext('chat.update', { retryAfter: 2 }, 3);
    slack.failNext('chat.postMessage', { retryAfter: 1 }, 2);
    for (let i = 1; i <= 10; i++) outbox.scheduleUpdate('CSTORM', ts, body(`progress ${i}`));
    const thread = outbox.postMessage('CSTORM', body('detail'), ts);
    await outbox.finalUpdate('CSTORM', ts, body('report'));
    await thread;
    expect(refusals(slack)).toEqual([]);
    expect(slack.callsOf('chat.update').filter((c) => !c.ok)).toHaveLength(3);
    expect(slack.messages().get(slackMessageKey('CSTORM', ts))?.text).toBe('report');
  }, 30_000);

  for (const store of ['redis', 'postgres'] as const) {
    it(`two instances posting to one channel share its limit (${store})`, async () => {
      const pair = await instances(2, store);
      const n = 12;
      await Promise.all(
        Array.from(
          { length: n },
          (_, i) => pair[i % 2]?.postMessage('CSHARED', body(`run ${i}`)) ?? Promise.resolve(''),
        ),
      );
      const posts = slack.callsOf('chat.postMessage').filter((c) => c.ok);
      expect(posts).toHaveLength(n);
      expect(refusals(slack), explain('chat.postMessage')).toEqual([]);
      expect(Math.min(...gaps(posts))).toBeGreaterThanOrEqual(900);
    }, 40_000);
  }

  for (const store of ['redis', 'postgres'] as const) {
    it(`runs' own messages go before report threads waiting in the channel, across instances (${store})`, async () => {
      const [a, b] = await instances(2, store);
      if (!a || !b) throw new Error('no outboxes');
      const parent = await a.postMessage('CPRIO', body('an earlier run'));
      const threads = Array.from({ length: 4 }, (_, i) => a.postMessage('CPRIO', body(`thread ${i}`), parent));
      const runs = Array.from({ length: 3 }, (_, i) => b.postMessage('CPRIO', body(`run ${i}`), undefined, true));
      await Promise.all([...threads, ...runs]);
      const order = slack
        .callsOf('chat.postMessage')
        .filter((c) => c.ok)
        .map((c) => String(c.body.text));
      // The replies were waiting first (the channel's turn was taken), yet every run goes before them.
      expect(order[0]).toBe('an earlier run');
      expect(order.slice(1, 4).sort()).toEqual(['run 0', 'run 1', 'run 2']);
      expect(order.slice(4).sort()).toEqual(['thread 0', 'thread 1', 'thread 2', 'thread 3']);
      expect(refusals(slack)).toEqual([]);
    }, 30_000);
  }

  it('a Retry-After one instance got holds the other instance too', async () => {
    const [a, b] = await instances(2);
    if (!a || !b) throw new Error('no outboxes');
    slack.failNext('chat.postMessage', { retryAfter: 2 }, 1);
    const first = a.postMessage('CHOLD', body('a'));
    await slack.waitFor((c) => c.method === 'chat.postMessage' && !c.ok);
    await b.postMessage('CHOLD', body('b'));
    await first;
    // The stand-in records any call in that channel before the Retry-After it gave has passed.
    expect(slack.callsOf('chat.postMessage').filter((c) => c.ok)).toHaveLength(2);
    expect(refusals(slack)).toEqual([]);
  }, 20_000);

  it('shutdown is bounded while Slack keeps refusing: the drain stops the retries at its deadline', async () => {
    const [outbox] = await instances(1);
    if (!outbox) throw new Error('no outbox');
    slack.failNext('chat.postMessage', { error: 'internal_error' }, 1000);
    const post = outbox.postMessage('CDOWN', body('never taken')).catch((e: unknown) => e);
    await slack.waitFor((c) => c.method === 'chat.postMessage' && !c.ok);
    await outbox.drain(500);
    // Stopped by the drain's deadline, not by running out of attempts against Slack.
    expect(String(await post)).toContain('the outbox stopped (shutdown) before Slack took the call');
  }, 20_000);
});
