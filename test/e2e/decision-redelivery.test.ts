import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Bot, createWorld, people, runIdOf, startBot, type World } from '../helpers/world.js';
import { waitUntil } from '../support/services.js';

const textOf = (m: { blocks?: unknown } | undefined) => JSON.stringify(m?.blocks ?? '');

describe('approval decisions that never reached Slack', () => {
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

  const message = (ts: string) => [...world.slack.messages().values()].find((m) => m.ts === ts);
  const updatesOf = (ts: string, marker: string) =>
    world.slack
      .callsOf('chat.update')
      .filter((c) => c.body.ts === ts && JSON.stringify(c.body).includes(marker) && c.ok);
  const delivered = (approvalId: string) =>
    waitUntil(
      async () =>
        (
          await bot.query<{ at: Date | null }>('SELECT decision_reported_at AS at FROM approvals WHERE id = $1', [
            approvalId,
          ])
        )[0]?.at ?? undefined,
      { description: `the decision of ${approvalId} to be recorded as delivered` },
    );
  const requestPrune = async () => {
    const runId = runIdOf(await bot.command('backup prune', { user: people.operator }));
    return { runId, ...(await bot.approvalMessage(runId)) };
  };

  it('shows a rejection decided by an instance that died before updating the message, exactly once', async () => {
    const { runId, approvalId, ts } = await requestPrune();
    // As an instance leaves it when it dies right after committing the decision: decided, message never updated.
    await bot.query(
      `UPDATE approvals SET status = 'rejected', decided_by = $2, decided_at = now(), reason = 'not in the freeze'
       WHERE id = $1`,
      [approvalId, people.approver],
    );
    await bot.query(`UPDATE runs SET status = 'rejected', finished_at = now() WHERE id = $1`, [runId]);
    await delivered(approvalId);
    const text = textOf(message(ts));
    expect(text).toContain(`Rejected by <@${people.approver}>`);
    expect(text).toContain('not in the freeze');
    expect(text).not.toContain('approval_approve');
    // Later sweeps run (they deliver a second decision) and none sends the first one again.
    const second = await requestPrune();
    await bot.query(`UPDATE approvals SET status = 'expired', decided_at = now() WHERE id = $1`, [second.approvalId]);
    await bot.query(`UPDATE runs SET status = 'expired', finished_at = now() WHERE id = $1`, [second.runId]);
    await delivered(second.approvalId);
    expect(textOf(message(second.ts))).toContain('Expired');
    expect(textOf(message(second.ts))).not.toContain('approval_approve');
    expect(updatesOf(ts, 'Rejected by')).toHaveLength(1);
  });

  it('shows a request whose run was cancelled as cancelled, by whoever cancelled it', async () => {
    const { runId, approvalId, ts } = await requestPrune();
    await bot.query(
      `UPDATE runs SET status = 'cancelled', finished_at = now(), cancel_requested_by = $2, cancel_requested_at = now()
       WHERE id = $1`,
      [runId, people.operator],
    );
    await bot.query(`UPDATE approvals SET status = 'superseded', decided_at = now() WHERE id = $1`, [approvalId]);
    await delivered(approvalId);
    const text = textOf(message(ts));
    expect(text).toMatch(/[Cc]ancelled/);
    expect(text).toContain(`<@${people.operator}>`);
    expect(text).not.toContain('approval_approve');
  });

  it('keeps retrying through a Slack outage at the moment of the decision, until the buttons are gone', async () => {
    const { runId, approvalId, ts } = await requestPrune();
    await bot.click('approval_reject', approvalId, { user: people.approver });
    await world.slack.waitFor((c) => c.method === 'views.open' && JSON.stringify(c.body).includes(approvalId));
    // Every attempt the decision's own delivery makes fails (the outbox gives up after 8 tries).
    world.slack.failNext('chat.update', { status: 503 }, 8);
    await bot.submitRejectReason(approvalId, 'Slack is down, and so is this change', people.approver);
    await bot.runStatus(runId, 'rejected');
    await delivered(approvalId);
    expect(world.slack.callsOf('chat.update').filter((c) => c.body.ts === ts && !c.ok)).toHaveLength(8);
    expect(textOf(message(ts))).toContain(`Rejected by <@${people.approver}>`);
    expect(textOf(message(ts))).not.toContain('approval_approve');
    expect(await bot.query('SELECT 1 FROM run_steps WHERE run_id = $1', [runId])).toHaveLength(0);
  });
});
