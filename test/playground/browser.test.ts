import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, type BlockAction, LogLevel, type ViewSubmitAction } from '@slack/bolt';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { type Playground, startPlayground } from '../../src/playground/server.js';
import { type Bot, channels, createWorld, people, startBot, type World } from '../helpers/world.js';
import { launchChromium, type TestBrowser } from './browser.js';
import { channel, secrets, startTestPlayground, users } from './fixtures.js';

/** Every wait is on page state, bounded. */
const waitMs = 30_000;

async function actAs(page: Page, userId: string): Promise<void> {
  await page.selectOption('#user-select', userId);
  await page.locator('#connection[data-state="live"]').waitFor({ timeout: waitMs });
}

async function type(page: Page, text: string): Promise<void> {
  await page.locator('#composer-input').fill(text);
  await page.locator('#composer-input').press('Enter');
}

describe('the playground in a browser, with the real bot behind it', () => {
  let browser: TestBrowser;
  let world: World;
  let playground: Playground;
  let bot: Bot;

  beforeAll(async () => {
    browser = await launchChromium();
    world = await createWorld((cfg) => {
      // The test Redis is shared: other tests' keys can push its fragmentation ratio over 1.5, which would turn
      // this report yellow for reasons that have nothing to do with the playground.
      const service = cfg.services.thermaliq;
      if (service) service.thresholds = { ...service.thresholds, cacheFragmentationRatio: 1000 };
    });
    // As main.ts does without Slack credentials: fresh secrets, the playground first, then the bot pointed at it.
    const signingSecret = randomBytes(16).toString('hex');
    const botToken = `xoxb-playground-${randomBytes(8).toString('hex')}`;
    playground = await startPlayground({
      port: 0,
      signingSecret,
      botToken,
      channel: { id: channels.ops, name: 'ops' },
      users: [
        { id: people.viewer, name: 'Vera Viewer', role: 'viewer' },
        { id: people.operator, name: 'Otto Operator', role: 'operator' },
        { id: people.approver, name: 'Ada Approver', role: 'approver' },
        { id: people.approver2, name: 'Abe Approver', role: 'approver' },
      ],
      commands: ['/thermaliq'],
      log: createLogger('silent'),
    });
    bot = await startBot(world, {
      env: { SLACK_API_URL: playground.apiUrl, SLACK_BOT_TOKEN: botToken, SLACK_SIGNING_SECRET: signingSecret },
    });
    playground.setBotEventsUrl(bot.url);
  });
  afterAll(async () => {
    await browser?.close();
    await bot?.stop();
    await playground?.close();
    await world?.close();
  });

  it('runs /thermaliq health: live report with status emoji, details in its thread, ephemerals per user', async () => {
    const page = await browser.newPage();
    await page.goto(`${playground.url}?user=${people.viewer}`);
    await page.locator('#connection[data-state="live"]').waitFor({ timeout: waitMs });
    await type(page, '/thermaliq health');

    const ack = page.locator('#messages .msg-ephemeral', { hasText: 'Started health' });
    await ack.waitFor({ timeout: waitMs });
    expect(await ack.textContent()).toContain('Only visible to you');

    // The live message is updated in place until it is the report, whose detail goes to its thread.
    const report = page.locator('#messages > .msg-bot', { hasText: 'details in thread' });
    await report.locator('button.replies').waitFor({ timeout: waitMs });
    expect(await page.locator('#messages > .msg-bot:has(.header)').count()).toBe(1);
    const header = (await report.locator('.header').textContent()) ?? '';
    expect(header).toContain('🟢');
    expect(header).not.toContain('🔄');
    expect(await report.locator('span.emoji[title=":large_green_circle:"]').count()).toBeGreaterThanOrEqual(10);
    expect(await report.textContent()).not.toMatch(/:large_green_circle:|:[a-z_]+:/);
    expect(await report.locator('.mention').first().textContent()).toBe('@Vera Viewer');

    await report.locator('button.replies').click();
    const thread = page.locator('#thread');
    await thread.locator('#thread-messages .msg:not(.thread-root) code.code').first().waitFor({ timeout: waitMs });
    expect(await thread.locator('#thread-messages .thread-root').textContent()).toContain('details in thread');
    expect(await thread.locator('#thread-messages .msg:not(.thread-root)').textContent()).toMatch(
      /Redis|Certificates|Cache/,
    );

    await mkdir('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/playground.png' });

    // Another user sees the channel and the report, never Vera's ephemeral ack; their own ack is theirs alone.
    await actAs(page, people.operator);
    await page.locator('#messages > .msg-bot', { hasText: 'details in thread' }).waitFor({ timeout: waitMs });
    expect(await page.locator('#messages .msg', { hasText: 'Started health' }).count()).toBe(0);
    await type(page, '/thermaliq help');
    await page.locator('#messages .msg-ephemeral', { hasText: 'Your role' }).waitFor({ timeout: waitMs });
    await actAs(page, people.viewer);
    await page.locator('#messages .msg-ephemeral', { hasText: 'Started health' }).waitFor({ timeout: waitMs });
    expect(await page.locator('#messages .msg-ephemeral', { hasText: 'Your role' }).count()).toBe(0);

    expect(browser.errors).toEqual([]);
    await page.close();
  });
});

describe('buttons in the browser', () => {
  let browser: TestBrowser;
  let playground: Playground;
  let app: App;
  const clicks: BlockAction[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
    playground = await startTestPlayground();
    app = new App({
      token: secrets.botToken,
      signingSecret: secrets.signingSecret,
      clientOptions: { slackApiUrl: playground.apiUrl },
      logLevel: LogLevel.ERROR,
    });
    app.command('/thermaliq', async ({ ack, client, command }) => {
      await ack();
      await client.chat.postMessage({
        channel: command.channel_id,
        text: 'Approval needed',
        blocks: [
          { type: 'section', text: { type: 'mrkdwn', text: '*Restore* `thermaliq` from last night?' } },
          {
            type: 'actions',
            block_id: 'decision',
            elements: [
              {
                type: 'button',
                action_id: 'approve',
                value: 'a-1',
                style: 'primary',
                text: { type: 'plain_text', text: 'Approve' },
                confirm: {
                  title: { type: 'plain_text', text: 'Restore production?' },
                  text: { type: 'mrkdwn', text: 'This *replaces* the database.' },
                  confirm: { type: 'plain_text', text: 'Restore' },
                  deny: { type: 'plain_text', text: 'Cancel' },
                  style: 'danger',
                },
              },
              {
                type: 'button',
                action_id: 'reject',
                value: 'a-1',
                style: 'danger',
                text: { type: 'plain_text', text: 'Reject' },
              },
            ],
          },
        ],
      });
    });
    app.action<BlockAction>('reject', async ({ ack, body, client }) => {
      await ack();
      await client.views.open({
        trigger_id: body.trigger_id,
        view: {
          type: 'modal',
          callback_id: 'reason',
          private_metadata: body.container.message_ts,
          title: { type: 'plain_text', text: 'Reject request' },
          submit: { type: 'plain_text', text: 'Reject' },
          close: { type: 'plain_text', text: 'Back' },
          blocks: [
            {
              type: 'input',
              block_id: 'reason',
              optional: true,
              label: { type: 'plain_text', text: 'Reason (shown in the channel)' },
              element: { type: 'plain_text_input', action_id: 'reason', multiline: true },
            },
          ],
        },
      });
    });
    app.view<ViewSubmitAction>('reason', async ({ ack, body, view, client }) => {
      await ack();
      const reason = view.state.values.reason?.reason?.value ?? 'no reason';
      await client.chat.update({
        channel: channel.id,
        ts: view.private_metadata,
        text: `:no_entry: Rejected by <@${body.user.id}>: ${reason}`,
        blocks: [],
      });
    });
    app.action<BlockAction>('approve', async ({ ack, body, respond }) => {
      await ack();
      clicks.push(body);
      await respond({ replace_original: true, text: `:white_check_mark: Approved by <@${body.user.id}>` });
    });
    const server = (await app.start({ port: 0, host: '127.0.0.1' })) as Server;
    playground.setBotEventsUrl(`http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await playground?.close();
  });

  it('asks the confirm question first, sends nothing on Cancel, and sends the click on confirm', async () => {
    const page = await browser.newPage();
    await page.goto(`${playground.url}?user=${users.approver.id}`);
    await page.locator('#connection[data-state="live"]').waitFor({ timeout: waitMs });
    await type(page, '/thermaliq restore');
    const approve = page.locator('#messages .msg button.btn-primary', { hasText: 'Approve' });
    await approve.waitFor({ timeout: waitMs });

    await approve.click();
    const dialog = page.locator('#confirm-dialog[open]');
    await dialog.waitFor({ timeout: waitMs });
    expect(await dialog.locator('.confirm-title').textContent()).toBe('Restore production?');
    expect(await dialog.locator('.confirm-text b').textContent()).toBe('replaces');
    expect(await dialog.locator('.confirm-accept.btn-danger').textContent()).toBe('Restore');
    await dialog.locator('.confirm-deny').click();
    await dialog.waitFor({ state: 'hidden', timeout: waitMs });

    await approve.click();
    await dialog.locator('.confirm-accept').click();
    await page.locator('#messages .msg', { hasText: 'Approved by @Ada Approver' }).waitFor({ timeout: waitMs });
    expect(await page.locator('#messages button.btn').count()).toBe(0);
    // Only the confirmed click reached the bot.
    expect(clicks).toHaveLength(1);
    expect(clicks[0]?.actions[0]).toMatchObject({ action_id: 'approve', value: 'a-1', block_id: 'decision' });
    expect(browser.errors).toEqual([]);
    await page.close();
  });

  it('shows the modal the bot opens, and submits what was typed', async () => {
    const page = await browser.newPage();
    await page.goto(`${playground.url}?user=${users.approver2.id}`);
    await page.locator('#connection[data-state="live"]').waitFor({ timeout: waitMs });
    await type(page, '/thermaliq restore');
    const reject = page.locator('#messages .msg').last().locator('button.btn-danger', { hasText: 'Reject' });
    await reject.waitFor({ timeout: waitMs });
    await reject.click();

    const modal = page.locator('#modal-dialog[open]');
    await modal.waitFor({ timeout: waitMs });
    expect(await modal.locator('.modal-header h2').textContent()).toBe('Reject request');
    expect(await modal.locator('.modal-close.btn').textContent()).toBe('Back');
    await modal.locator('textarea.text-input').fill('Backup is from the wrong day');
    await page.screenshot({ path: 'test-results/playground-modal.png' });
    await modal.locator('.modal-submit').click();
    await modal.waitFor({ state: 'hidden', timeout: waitMs });
    await page
      .locator('#messages .msg', { hasText: 'Rejected by @Abe Approver: Backup is from the wrong day' })
      .waitFor({ timeout: waitMs });
    expect(browser.errors).toEqual([]);
    await page.close();
  });
});
