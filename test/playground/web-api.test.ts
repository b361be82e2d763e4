import { LogLevel, WebAPIPlatformError, WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Playground } from '../../src/playground/server.js';
import { channel, secrets, startTestPlayground, tinyPng, users } from './fixtures.js';
import { openPage, type PageClient } from './page-client.js';

/** The Slack error code a WebClient call failed with. */
async function slackError(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (err) {
    if (err instanceof WebAPIPlatformError) return err.data.error;
    throw err;
  }
  throw new Error('the call succeeded');
}

describe('the playground’s Web API, called by @slack/web-api', () => {
  let playground: Playground;
  let client: WebClient;
  let viewer: PageClient;
  let operator: PageClient;

  beforeAll(async () => {
    playground = await startTestPlayground();
    // ERROR level: the no_text case below would otherwise print WebClient's best-practice warning.
    client = new WebClient(secrets.botToken, {
      slackApiUrl: playground.apiUrl,
      retryConfig: { retries: 0 },
      logLevel: LogLevel.ERROR,
    });
    viewer = await openPage(playground.url, users.viewer.id);
    operator = await openPage(playground.url, users.operator.id);
  });
  afterAll(async () => {
    viewer?.close();
    operator?.close();
    await playground?.close();
  });

  it('answers auth.test for the bot token, with the granted scopes', async () => {
    expect(playground.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/$/);
    const res = await client.auth.test();
    expect(res).toMatchObject({ ok: true, user: 'thermaliq-runbooks', team: 'Playground' });
    expect(res.user_id).toMatch(/^U/);
    expect(res.bot_id).toMatch(/^B/);
    expect(res.response_metadata?.scopes).toEqual(expect.arrayContaining(['chat:write', 'commands']));
    const stranger = new WebClient('xoxb-someone-else', {
      slackApiUrl: playground.apiUrl,
      retryConfig: { retries: 0 },
    });
    expect(await slackError(stranger.auth.test())).toBe('invalid_auth');
  });

  it('posts, threads, updates in place and deletes, and every page sees it live', async () => {
    const posted = await client.chat.postMessage({
      channel: channel.id,
      text: 'fallback',
      blocks: [{ type: 'header', text: { type: 'plain_text', text: 'Live :arrows_counterclockwise:' } }],
    });
    expect(posted).toMatchObject({ ok: true, channel: channel.id, message: { type: 'message', text: 'fallback' } });
    const ts = posted.ts ?? '';
    expect(ts).toMatch(/^\d{10}\.\d{6}$/);
    // Slack fills in a block_id the sender left out.
    expect(posted.message?.blocks?.[0]?.block_id).toEqual(expect.any(String));
    await operator.waitFor((m) => m.ts === ts && m.html.includes('🔄'), 'the live message');

    const reply = await client.chat.postMessage({ channel: channel.id, thread_ts: ts, text: '*details* here' });
    expect(reply.message?.thread_ts).toBe(ts);
    await viewer.waitFor(
      (m) => m.ts === reply.ts && m.threadTs === ts && m.html.includes('<b>details</b>'),
      'the reply',
    );
    await viewer.waitFor((m) => m.ts === ts && m.html.includes('1 reply'), 'the reply count on the root');

    const updated = await client.chat.update({
      channel: channel.id,
      ts,
      text: 'done',
      blocks: [{ type: 'header', text: { type: 'plain_text', text: 'Done :white_check_mark:' } }],
    });
    expect(updated).toMatchObject({ ok: true, channel: channel.id, ts, text: 'done' });
    const shown = await operator.waitFor((m) => m.ts === ts && m.html.includes('✅'), 'the updated message');
    expect(shown.html).toContain('(edited)');
    expect(shown.html).not.toContain('🔄');

    await client.chat.delete({ channel: channel.id, ts: reply.ts ?? '' });
    await viewer.waitFor((m) => m.ts === ts && !m.html.includes('1 reply'), 'the root without replies');
    expect(viewer.messages.has(reply.ts ?? '')).toBe(false);
  });

  it('shows an ephemeral message to its user only', async () => {
    const eph = await client.chat.postEphemeral({ channel: channel.id, user: users.viewer.id, text: 'just for Vera' });
    expect(eph).toMatchObject({ ok: true, message_ts: expect.stringMatching(/^\d+\.\d+$/) });
    const seen = await viewer.waitFor((m) => m.html.includes('just for Vera'), 'the ephemeral');
    expect(seen.html).toContain('Only visible to you');
    // Events reach a page in order: once the later marker is there, the ephemeral would have been too.
    await client.chat.postMessage({ channel: channel.id, text: 'marker after ephemeral' });
    await operator.waitFor((m) => m.html.includes('marker after ephemeral'), 'the marker');
    expect([...operator.messages.values()].some((m) => m.html.includes('just for Vera'))).toBe(false);
    // chat.update and chat.delete never reach ephemeral messages, as in Slack.
    expect(await slackError(client.chat.update({ channel: channel.id, ts: eph.message_ts ?? '', text: 'x' }))).toBe(
      'message_not_found',
    );
    expect(await slackError(client.chat.postEphemeral({ channel: channel.id, user: 'UNOBODY1', text: 'x' }))).toBe(
      'user_not_in_channel',
    );
  });

  it('answers with Slack’s error codes', async () => {
    expect(await slackError(client.chat.postMessage({ channel: 'CNOPE0001', text: 'x' }))).toBe('channel_not_found');
    expect(await slackError(client.chat.postMessage({ channel: channel.id, text: '' }))).toBe('no_text');
    const tooMany = Array.from({ length: 51 }, () => ({ type: 'divider' }));
    expect(await slackError(client.chat.postMessage({ channel: channel.id, text: 'x', blocks: tooMany }))).toBe(
      'invalid_blocks',
    );
    expect(await slackError(client.chat.update({ channel: channel.id, ts: '1.000001', text: 'x' }))).toBe(
      'message_not_found',
    );
    expect(await slackError(client.usergroups.users.list({ usergroup: 'S0OPS' }))).toBe('no_such_subteam');
    const view = { type: 'modal' as const, title: { type: 'plain_text' as const, text: 'x' }, blocks: [] };
    expect(await slackError(client.views.open({ trigger_id: '1.2.3', view }))).toBe('invalid_trigger_id');
    expect(await slackError(client.views.update({ view_id: 'VNOPE', view }))).toBe('not_found');
    expect(await slackError(client.apiCall('chat.scheduleMessage', { channel: channel.id }))).toBe('unknown_method');
  });

  it('describes its users and channel', async () => {
    const info = await client.users.info({ user: users.approver.id });
    expect(info.user).toMatchObject({ id: users.approver.id, real_name: 'Ada Approver', is_bot: false });
    expect(await slackError(client.users.info({ user: 'UNOBODY1' }))).toBe('user_not_found');
    const conv = await client.conversations.info({ channel: channel.id });
    expect(conv.channel).toMatchObject({ id: channel.id, name: 'ops', is_channel: true, is_private: false });
  });

  it('takes files through the external upload flow and serves them back', async () => {
    const res = await client.filesUploadV2({
      channel_id: channel.id,
      file: tinyPng,
      filename: 'p95.png',
      title: 'p95 latency',
      initial_comment: 'Latency, 7 days',
    });
    expect(res.ok).toBe(true);
    const shown = await viewer.waitFor(
      (m) => m.html.includes('Latency, 7 days') && m.html.includes('<img'),
      'the shared image',
    );
    const src = /<img src="([^"]+)"/.exec(shown.html)?.[1] ?? '';
    expect(src).toMatch(/^\/files\/F[0-9A-F]+\/p95\.png$/);
    const served = await fetch(new URL(src, playground.url));
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await served.arrayBuffer())).toEqual(tinyPng);

    await client.filesUploadV2({ channel_id: channel.id, content: 'a,b\n1,2\n', filename: 'rows.csv', title: 'rows' });
    const download = await viewer.waitFor(
      (m) => m.html.includes('file-download') && m.html.includes('rows'),
      'the download',
    );
    const href = /href="([^"]+)" download/.exec(download.html)?.[1] ?? '';
    const csv = await fetch(new URL(href, playground.url));
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment/);
    expect(await csv.text()).toBe('a,b\n1,2\n');
  });

  it('accepts JSON bodies as Slack does', async () => {
    const res = await fetch(`${playground.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${secrets.botToken}` },
      body: JSON.stringify({ channel: channel.id, text: 'sent as JSON', blocks: [{ type: 'divider' }] }),
    });
    expect(await res.json()).toMatchObject({ ok: true, message: { text: 'sent as JSON' } });
    const broken = await fetch(`${playground.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secrets.botToken}` },
      body: '{"channel":',
    });
    expect(await broken.json()).toEqual({ ok: false, error: 'invalid_json' });
  });
});
