import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, type BlockAction, LogLevel, type SlashCommand, type ViewSubmitAction } from '@slack/bolt';
import { WebAPIPlatformError } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Playground } from '../../src/playground/server.js';
import { deferred } from '../helpers/deferred.js';
import { channel, secrets, startTestPlayground, users } from './fixtures.js';
import { openPage, type PageClient } from './page-client.js';

/** Text of a message's HTML, for readable assertions. */
const textOf = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

describe('a real Bolt app behind the playground', () => {
  let playground: Playground;
  let app: App;
  let eventsUrl: string;
  const commands: SlashCommand[] = [];
  let clicked = deferred<BlockAction>();
  const submissions: ViewSubmitAction[] = [];
  let secondOpen = deferred<string>();
  const pages: PageClient[] = [];
  const page = async (user: string) => {
    const p = await openPage(playground.url, user);
    pages.push(p);
    return p;
  };

  beforeAll(async () => {
    playground = await startTestPlayground({ commands: ['/thermaliq'] });
    app = new App({
      token: secrets.botToken,
      signingSecret: secrets.signingSecret,
      clientOptions: { slackApiUrl: playground.apiUrl },
      logLevel: LogLevel.ERROR,
    });
    app.command('/thermaliq', async ({ command, ack, client }) => {
      commands.push(command);
      if (command.text === 'approve-demo') {
        await ack();
        await client.chat.postMessage({
          channel: command.channel_id,
          text: 'Restore requested',
          blocks: [
            { type: 'section', text: { type: 'mrkdwn', text: `<@${command.user_id}> asks to *restore* production.` } },
            {
              type: 'actions',
              block_id: 'decision',
              elements: [
                {
                  type: 'button',
                  action_id: 'approve',
                  value: 'approval-1',
                  style: 'primary',
                  text: { type: 'plain_text', text: 'Approve' },
                  confirm: {
                    title: { type: 'plain_text', text: 'Sure?' },
                    text: { type: 'mrkdwn', text: 'This restores production.' },
                    confirm: { type: 'plain_text', text: 'Restore' },
                    deny: { type: 'plain_text', text: 'Cancel' },
                  },
                },
                {
                  type: 'button',
                  action_id: 'reject',
                  value: 'approval-1',
                  style: 'danger',
                  text: { type: 'plain_text', text: 'Reject' },
                },
              ],
            },
          ],
        });
        return;
      }
      // An empty ack: the first response_url post becomes the message later posts replace or delete.
      if (command.text === 'respond-demo') return ack();
      await ack({ response_type: 'ephemeral', text: `Hello <@${command.user_id}>, you asked for *${command.text}*.` });
    });
    app.action<BlockAction>('approve', async ({ ack, body, respond }) => {
      await ack();
      clicked.resolve(body);
      await respond({ replace_original: true, text: `Approved by <@${body.user.id}> :white_check_mark:` });
    });
    app.action<BlockAction>('reject', async ({ ack, body, client }) => {
      await ack();
      const view = {
        type: 'modal' as const,
        callback_id: 'reject_reason',
        private_metadata: JSON.stringify({ approval: 'approval-1' }),
        title: { type: 'plain_text' as const, text: 'Reject request' },
        submit: { type: 'plain_text' as const, text: 'Reject' },
        close: { type: 'plain_text' as const, text: 'Back' },
        blocks: [
          {
            type: 'input' as const,
            block_id: 'reason',
            label: { type: 'plain_text' as const, text: 'Reason' },
            element: { type: 'plain_text_input' as const, action_id: 'reason', multiline: true },
          },
        ],
      };
      await client.views.open({ trigger_id: body.trigger_id, view });
      // A trigger_id opens one view only.
      await client.views.open({ trigger_id: body.trigger_id, view }).then(
        () => secondOpen.resolve('ok'),
        (err: unknown) => secondOpen.resolve(err instanceof WebAPIPlatformError ? err.data.error : String(err)),
      );
    });
    app.view<ViewSubmitAction>('reject_reason', async ({ ack, body, view }) => {
      const reason = view.state.values.reason?.reason?.value ?? '';
      if (reason.length < 5) {
        await ack({ response_action: 'errors', errors: { reason: 'Say a bit more.' } });
        return;
      }
      await ack();
      submissions.push(body);
    });
    const server = (await app.start({ port: 0, host: '127.0.0.1' })) as Server;
    eventsUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
    playground.setBotEventsUrl(eventsUrl);
  });
  afterAll(async () => {
    for (const p of pages) p.close();
    await app?.stop();
    await playground?.close();
  });

  it('delivers a typed slash command, signed, and shows the ack to that user only', async () => {
    const viewer = await page(users.viewer.id);
    const operator = await page(users.operator.id);
    expect(await viewer.command('/thermaliq health --env production')).toMatchObject({ status: 200 });
    const ack = await viewer.waitFor((m) => m.html.includes('Hello'), 'the ack');
    expect(textOf(ack.html)).toContain('Hello @Vera Viewer , you asked for health --env production .');
    expect(ack.html).toContain('Only visible to you');

    const received = commands.at(-1);
    expect(received).toMatchObject({
      command: '/thermaliq',
      text: 'health --env production',
      user_id: users.viewer.id,
      user_name: 'vera.viewer',
      channel_id: channel.id,
      channel_name: channel.name,
      team_id: expect.stringMatching(/^T/),
      api_app_id: expect.stringMatching(/^A/),
    });
    expect(received?.response_url).toMatch(new RegExp(`^${playground.url}respond/[0-9a-f]+$`));
    expect(received?.trigger_id).toMatch(/^\d+\.\d+\.[0-9a-f]+$/);

    await operator.say('marker after the ack');
    await operator.waitFor((m) => m.html.includes('marker after the ack'), 'the marker');
    expect([...operator.messages.values()].some((m) => m.html.includes('Hello'))).toBe(false);
  });

  it('answers unknown commands as Slack does, without bothering the bot', async () => {
    const viewer = await page(users.viewer.id);
    const before = commands.length;
    await viewer.command('/nope do things');
    const notice = await viewer.waitFor((m) => m.html.includes('is not a valid command'), 'Slackbot’s notice');
    expect(notice.html).toContain('Slackbot');
    expect(commands.length).toBe(before);
  });

  it('sends a button click as a faithful block_actions payload, and applies the response_url reply in place', async () => {
    clicked = deferred<BlockAction>();
    const operator = await page(users.operator.id);
    const approver = await page(users.approver.id);
    await operator.command('/thermaliq approve-demo');
    const request = await approver.waitFor((m) => m.html.includes('asks to'), 'the approval request');
    expect(request.html).toContain('<template class="confirm">');
    expect(await approver.click(request.ts, 'decision', 'approve')).toMatchObject({ status: 200 });

    const body = await clicked.promise;
    expect(body).toMatchObject({
      type: 'block_actions',
      user: {
        id: users.approver.id,
        username: 'ada.approver',
        name: 'ada.approver',
        team_id: expect.stringMatching(/^T/),
      },
      api_app_id: expect.stringMatching(/^A/),
      token: expect.any(String),
      container: { type: 'message', message_ts: request.ts, channel_id: channel.id, is_ephemeral: false },
      trigger_id: expect.stringMatching(/^\d+\.\d+\.[0-9a-f]+$/),
      team: { id: expect.stringMatching(/^T/), domain: 'playground' },
      channel: { id: channel.id, name: channel.name },
      message: {
        ts: request.ts,
        text: 'Restore requested',
        blocks: expect.arrayContaining([expect.objectContaining({ block_id: 'decision' })]),
      },
      response_url: expect.stringMatching(new RegExp(`^${playground.url}respond/`)),
      actions: [
        {
          action_id: 'approve',
          block_id: 'decision',
          value: 'approval-1',
          type: 'button',
          style: 'primary',
          text: { type: 'plain_text', text: 'Approve', emoji: true },
          action_ts: expect.stringMatching(/^\d+\.\d+$/),
        },
      ],
    });
    const replaced = await operator.waitFor(
      (m) => m.ts === request.ts && m.html.includes('Approved by'),
      'the replaced message',
    );
    expect(textOf(replaced.html)).toContain('Approved by @Ada Approver ✅');
  });

  it('opens a modal with views.open on a fresh trigger_id, and submits it as a view_submission', async () => {
    secondOpen = deferred<string>();
    const operator = await page(users.operator.id);
    const approver = await page(users.approver2.id);
    await operator.command('/thermaliq approve-demo');
    const request = await approver.waitFor(
      (m) => m.html.includes('asks to') && m.html.includes('Reject'),
      'the request',
    );
    await approver.click(request.ts, 'decision', 'reject');
    await approver.until(() => approver.modal() !== undefined, 'the modal to open');
    expect(await secondOpen.promise).toBe('exchanged_trigger_id');
    const modal = approver.modal();
    expect(modal?.html).toContain('<h2>Reject request</h2>');
    expect(modal?.html).toContain(
      '<textarea class="text-input" data-block-id="reason" data-action-id="reason" required',
    );
    expect(operator.modal()).toBeUndefined();

    const id = modal?.id ?? '';
    expect(await approver.submitView(id, { reason: { reason: '' } })).toMatchObject({
      status: 400,
      body: { ok: false, errors: { reason: expect.stringContaining('required') } },
    });
    expect(await approver.submitView(id, { reason: { reason: 'meh' } })).toMatchObject({
      status: 400,
      body: { ok: false, errors: { reason: 'Say a bit more.' } },
    });
    expect(approver.modal()?.id).toBe(id);
    expect(await approver.submitView(id, { reason: { reason: 'Backup is too old' } })).toMatchObject({ status: 200 });
    await approver.until(() => approver.modal() === undefined, 'the modal to close');

    expect(submissions).toHaveLength(1);
    expect(submissions[0]).toMatchObject({
      type: 'view_submission',
      user: { id: users.approver2.id, username: 'abe.approver' },
      api_app_id: expect.stringMatching(/^A/),
      trigger_id: expect.stringMatching(/^\d+\.\d+\.[0-9a-f]+$/),
      view: {
        id,
        type: 'modal',
        callback_id: 'reject_reason',
        private_metadata: '{"approval":"approval-1"}',
        state: { values: { reason: { reason: { type: 'plain_text_input', value: 'Backup is too old' } } } },
        title: { type: 'plain_text', text: 'Reject request' },
      },
    });
  });

  it('honours response_url rules: in_channel, delete_original and at most five uses', async () => {
    const viewer = await page(users.viewer.id);
    const operator = await page(users.operator.id);
    await viewer.command('/thermaliq respond-demo');
    const url = commands.at(-1)?.response_url ?? '';
    const post = (body: object) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post({ response_type: 'in_channel', text: 'for everyone' })).status).toBe(200);
    await operator.waitFor((m) => m.html.includes('for everyone'), 'the in_channel response');
    // The first response_url message is the "original" for later posts.
    expect((await post({ delete_original: true })).status).toBe(200);
    await operator.waitFor(
      () => ![...operator.messages.values()].some((m) => m.html.includes('for everyone')),
      'the deletion',
    );
    expect((await post({ text: 'three' })).status).toBe(200);
    expect((await post({ text: 'four' })).status).toBe(200);
    expect((await post({ text: 'five' })).status).toBe(200);
    const sixth = await post({ text: 'six' });
    expect(sixth.status).toBe(404);
    expect(await sixth.json()).toEqual({ ok: false, error: 'used_url' });
  });

  it('is refused by Bolt when the signature is wrong, and the user hears why', async () => {
    const impostor = await startTestPlayground({ signingSecret: 'not-the-bots-secret', botEventsUrl: eventsUrl });
    try {
      const before = commands.length;
      const viewer = await openPage(impostor.url, users.viewer.id);
      await viewer.command('/thermaliq health');
      const notice = await viewer.waitFor((m) => m.html.includes('dispatch_failed'), 'Slackbot’s error');
      expect(notice.html).toContain('HTTP 401');
      expect(commands.length).toBe(before);
      viewer.close();
    } finally {
      await impostor.close();
    }
  });
});
