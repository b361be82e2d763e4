import { createHmac } from 'node:crypto';
import { Writable } from 'node:stream';
import { App, verifySlackRequest } from '@slack/bolt';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackHttpReceiver, slackBodyLimit } from '../../src/bot/http-receiver.js';
import { SlackSignatureVerifier } from '../../src/bot/slack-signature.js';
import { createLogger } from '../../src/log.js';
import { blockActionBody, postSigned, signSlackRequest, slashCommandBody } from '../support/slack-signing.js';

const secret = 'receiver-test-signing-secret';

/**
 * The bot's HTTP receiver behind a real Bolt app (authorize instead of a token, so nothing leaves the machine), with
 * listeners that record what reached them. Requests go over real HTTP, signed as Slack signs them.
 */
describe('SlackHttpReceiver', () => {
  let app: App;
  let receiver: SlackHttpReceiver;
  let url: string;
  const logLines: string[] = [];
  const seen: { kind: string; detail: unknown }[] = [];

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        logLines.push(chunk.toString());
        done();
      },
    });
    receiver = new SlackHttpReceiver({
      signingSecret: secret,
      log: createLogger('info', sink),
      routes: [{ path: '/healthz', method: 'GET', handler: (_req, res) => res.writeHead(200).end('ok') }],
      port: 0,
      host: '127.0.0.1',
    });
    app = new App({
      receiver,
      authorize: async () => ({ botToken: 'xoxb-test', botId: 'B1', botUserId: 'U0BOT' }),
      convoStore: false,
    });
    app.command('/thermaliq', async ({ command, ack, context }) => {
      seen.push({ kind: 'command', detail: { text: command.text, retryNum: context.retryNum } });
      if (command.text === 'throw-before-ack') throw new Error('listener failed before its ack');
      await ack({ response_type: 'ephemeral', text: `got ${command.text}` });
      if (command.text === 'twice') {
        await ack().catch((err: unknown) => seen.push({ kind: 'second ack', detail: String(err) }));
      }
      if (command.text === 'throw-after-ack') throw new Error('listener failed after its ack');
    });
    app.action('known_button', async ({ ack, body }) => {
      await ack();
      seen.push({ kind: 'action', detail: body.type });
    });
    app.error(async (err) => {
      throw err;
    });
    await app.start();
    url = `http://127.0.0.1:${receiver.port()}`;
  });
  afterAll(async () => {
    await app?.stop();
  });

  const command = (text: string) => slashCommandBody({ command: '/thermaliq', text, user_id: 'U1', channel_id: 'C1' });

  it('hands a signed slash command to its listener and answers with the ack', async () => {
    const res = await postSigned(`${url}/slack/events`, secret, command('health'));
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ response_type: 'ephemeral', text: 'got health' });
    expect(seen).toContainEqual({ kind: 'command', detail: { text: 'health', retryNum: undefined } });
  });

  it('passes Slack retry headers on, and hands interactions (payload=JSON) to their listener', async () => {
    const retried = await postSigned(`${url}/slack/events`, secret, command('retried'), {
      headers: { 'x-slack-retry-num': '2', 'x-slack-retry-reason': 'http_timeout' },
    });
    expect(retried.status).toBe(200);
    expect(seen).toContainEqual({ kind: 'command', detail: { text: 'retried', retryNum: 2 } });
    const click = blockActionBody({
      action_id: 'known_button',
      value: 'v',
      user_id: 'U1',
      channel_id: 'C1',
      message_ts: '1.2',
    });
    expect((await postSigned(`${url}/slack/events`, secret, click)).status).toBe(200);
    expect(seen).toContainEqual({ kind: 'action', detail: 'block_actions' });
  });

  it('refuses forged, stale, future, unsigned and malformed signatures with 401, and runs nothing', async () => {
    const before = seen.length;
    const body = command('forged');
    const now = Math.floor(Date.now() / 1000);
    const cases: Record<string, Record<string, string>>[] = [
      { headers: { ...signSlackRequest('another-secret', body) } },
      { headers: { ...signSlackRequest(secret, body, now - 6 * 60) } },
      { headers: { ...signSlackRequest(secret, body, now + 6 * 60) } },
      { headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      { headers: { ...signSlackRequest(secret, body), 'x-slack-signature': 'v1=abc' } },
      { headers: { ...signSlackRequest(secret, body), 'x-slack-request-timestamp': 'soon' } },
      // The signature of another body.
      { headers: { ...signSlackRequest(secret, command('other')) } },
    ];
    for (const c of cases) {
      const res = await fetch(`${url}/slack/events`, { method: 'POST', headers: c.headers, body });
      expect(res.status).toBe(401);
    }
    expect(seen.length).toBe(before);
    expect(logLines.filter((l) => l.includes('not signed by Slack')).length).toBeGreaterThanOrEqual(cases.length);
  });

  it("answers Slack's unsigned SSL check with 200 and hands nothing smuggled in it to the app", async () => {
    const before = seen.length;
    const smuggled = `ssl_check=1&${command('smuggled')}`;
    const res = await fetch(`${url}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: smuggled,
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    expect(seen.length).toBe(before);
  });

  it('answers URL verification only when signed', async () => {
    const body = JSON.stringify({ token: 't', challenge: 'c-123', type: 'url_verification' });
    const signed = await postSigned(`${url}/slack/events`, secret, body, {
      headers: { 'content-type': 'application/json' },
    });
    expect(signed).toMatchObject({ status: 200, json: { challenge: 'c-123' } });
    const unsigned = await fetch(`${url}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(unsigned.status).toBe(401);
  });

  it('refuses a malformed body with 400 and an oversized one with 413', async () => {
    const malformed = await postSigned(`${url}/slack/events`, secret, 'payload=%7Bnot-json');
    expect(malformed.status).toBe(400);
    const notObject = await postSigned(`${url}/slack/events`, secret, '[1,2]', {
      headers: { 'content-type': 'application/json' },
    });
    expect(notObject.status).toBe(400);
    const huge = `text=${'x'.repeat(slackBodyLimit)}`;
    const tooLarge = await postSigned(`${url}/slack/events`, secret, huge);
    expect(tooLarge.status).toBe(413);
  });

  it('answers 404 at once when no listener acks, and 500 when a listener throws before its ack', async () => {
    const started = Date.now();
    const unknown = await postSigned(
      `${url}/slack/events`,
      secret,
      blockActionBody({ action_id: 'nobody_listens', value: 'v', user_id: 'U1', channel_id: 'C1', message_ts: '1.2' }),
    );
    expect(unknown.status).toBe(404);
    // Bolt's receiver waits 3 s for an ack that cannot come; this one knows the listeners are done.
    expect(Date.now() - started).toBeLessThan(2_000);
    expect((await postSigned(`${url}/slack/events`, secret, command('throw-before-ack'))).status).toBe(500);
    const after = await postSigned(`${url}/slack/events`, secret, command('throw-after-ack'));
    expect(after).toMatchObject({ status: 200, json: { text: 'got throw-after-ack' } });
  });

  it('refuses a second ack as Bolt does, without touching the answer already sent', async () => {
    const res = await postSigned(`${url}/slack/events`, secret, command('twice'));
    expect(res).toMatchObject({ status: 200, json: { text: 'got twice' } });
    expect(seen.find((s) => s.kind === 'second ack')?.detail).toMatch(/ack/i);
  });

  it('serves the extra routes on the same port; 405 for other methods on /slack/events, 404 elsewhere', async () => {
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/healthz?probe=1`)).status).toBe(200);
    const get = await fetch(`${url}/slack/events`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect((await fetch(`${url}/nothing-here`)).status).toBe(404);
  });
});

describe('SlackSignatureVerifier', () => {
  const verifier = new SlackSignatureVerifier(secret);
  const sign = (timestamp: number, body: string, key = secret) =>
    `v0=${createHmac('sha256', key).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  /** Bolt's own verifier, as the reference: true when it accepts. */
  const boltAccepts = (signature: string, timestamp: number, body: string, nowMs: number) => {
    try {
      verifySlackRequest({
        signingSecret: secret,
        body,
        headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': timestamp },
        nowMilliseconds: nowMs,
      });
      return true;
    } catch {
      return false;
    }
  };

  it("agrees with Bolt's verifier on every body, key and past timestamp", () => {
    const nowMs = Date.parse('2026-12-02T12:00:00Z');
    const nowSec = Math.floor(nowMs / 1000);
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 300 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 10 * 60 }),
        fc.option(fc.string({ minLength: 1, maxLength: 20 })),
        (body, rightKey, age, tamper) => {
          const timestamp = nowSec - age;
          const signature = sign(timestamp, body, rightKey ? secret : `${secret}-other`);
          const sent = tamper === null ? body : `${body}${tamper}`;
          const ours = verifier.refusal({ signature, timestamp: String(timestamp) }, Buffer.from(sent), nowMs);
          expect(ours === undefined).toBe(boltAccepts(signature, timestamp, sent, nowMs));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('refuses a timestamp from the future beyond the window (Bolt lets those through)', () => {
    const nowMs = Date.now();
    const future = Math.floor(nowMs / 1000) + 6 * 60;
    expect(
      verifier.refusal({ signature: sign(future, 'a'), timestamp: String(future) }, Buffer.from('a'), nowMs),
    ).toMatch(/minutes/);
    expect(() => new SlackSignatureVerifier('')).toThrow(/empty/);
  });
});
