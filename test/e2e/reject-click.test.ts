import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Bot,
  channels,
  createWorld,
  people,
  runIdOf,
  signingSecret,
  startBot,
  type World,
} from '../helpers/world.js';
import { waitUntil } from '../support/services.js';
import { postSigned, viewClosedBody } from '../support/slack-signing.js';

describe('the Reject button refuses at the click, and every click is audited', () => {
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

  const requestPrune = async () => {
    const runId = runIdOf(await bot.command('backup prune', { user: people.operator }));
    return { runId, ...(await bot.approvalMessage(runId)) };
  };
  const rejectAudit = (runId: string) =>
    bot.query<{ actor: string; decision: string; reason: string | null }>(
      "SELECT actor, decision, reason FROM audit_events WHERE run_id = $1 AND action = 'reject' ORDER BY id",
      [runId],
    );
  /** The audited Reject clicks of a run once there are `count` of them (they are written after Slack's ack). */
  const rejectClicks = (runId: string, count: number) =>
    waitUntil(
      async () => {
        const rows = await rejectAudit(runId);
        return rows.length >= count && rows;
      },
      { description: `${count} audited Reject clicks of ${runId}` },
    );
  const modalsFor = (approvalId: string) =>
    world.slack.callsOf('views.open').filter((c) => JSON.stringify(c.body).includes(approvalId));
  const ephemeral = (user: string, text: string) =>
    world.slack.waitFor(
      (c) => c.method === 'chat.postEphemeral' && c.body.user === user && String(c.body.text).includes(text),
    );

  it('tells a viewer, and the requester, who can act, without opening the reason modal', async () => {
    const { runId, approvalId } = await requestPrune();
    await bot.click('approval_reject', approvalId, { user: people.viewer });
    const refused = await ephemeral(people.viewer, 'Only approvers can reject');
    expect(refused.body.text).toBe(
      `Only approvers can reject backup prune: people with the approver or admin role (<@${people.approver}>, <@${people.approver2}> or <@${people.admin}>). You are a viewer. The requester <@${people.operator}> can cancel it instead.`,
    );
    await bot.click('approval_reject', approvalId, { user: people.operator });
    const own = await ephemeral(people.operator, 'Only approvers can reject');
    expect(String(own.body.text)).toContain('You are an operator. You requested it, so you can cancel it instead.');
    expect(modalsFor(approvalId)).toEqual([]);
    expect(await rejectClicks(runId, 2)).toEqual([
      { actor: people.viewer, decision: 'deny', reason: 'forbidden' },
      { actor: people.operator, decision: 'deny', reason: 'forbidden' },
    ]);
    expect((await bot.query<{ status: string }>('SELECT status FROM runs WHERE id = $1', [runId]))[0]?.status).toBe(
      'awaiting_approval',
    );
  });

  it('opens the modal for an approver asking to hear of its closing, and audits the click and the close', async () => {
    const { runId, approvalId } = await requestPrune();
    await bot.click('approval_reject', approvalId, { user: people.approver });
    const opened = await world.slack.waitFor(
      (c) => c.method === 'views.open' && JSON.stringify(c.body).includes(approvalId),
    );
    expect(JSON.stringify(opened.body)).toContain('"notify_on_close":true');
    await rejectClicks(runId, 1);
    const closed = await postSigned(
      bot.url,
      signingSecret,
      viewClosedBody({
        user_id: people.approver,
        callback_id: 'approval_reject_reason',
        private_metadata: JSON.stringify({ approvalId, channelId: channels.ops }),
      }),
    );
    expect(closed.status).toBe(200);
    expect(await rejectClicks(runId, 2)).toEqual([
      { actor: people.approver, decision: 'info', reason: 'reason_modal_opened' },
      { actor: people.approver, decision: 'info', reason: 'reason_modal_closed' },
    ]);
    // Closing the modal decides nothing: the request is still pending.
    const [approval] = await bot.query<{ status: string }>('SELECT status FROM approvals WHERE id = $1', [approvalId]);
    expect(approval?.status).toBe('pending');
  });

  it('answers a Reject on a request that is already decided without a modal', async () => {
    const { runId, approvalId } = await requestPrune();
    await bot.click('approval_approve', approvalId, { user: people.approver });
    await bot.runStatus(runId, 'succeeded');
    await bot.click('approval_reject', approvalId, { user: people.approver2 });
    await ephemeral(people.approver2, 'This request is already approved; nothing to reject.');
    expect(modalsFor(approvalId)).toEqual([]);
  });
});
