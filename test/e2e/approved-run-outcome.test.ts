import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Bot, channels, createWorld, people, runIdOf, startBot, type World } from '../helpers/world.js';

/** Text of every block of a message, for assertions. */
const textOf = (m: { blocks?: unknown } | undefined) => JSON.stringify(m?.blocks ?? '');

/** The permalink Slack gives a message of the test channel, on the fake's workspace URL (auth.test's `url`). */
const permalink = (ts: string) => `https://fake-team.slack.invalid/archives/${channels.ops}/p${ts.replace('.', '')}`;

describe('an approved run that ended says how on its approval message (backup prune)', () => {
  let world: World;
  let bot: Bot;
  beforeAll(async () => {
    world = await createWorld();
    bot = await startBot(world, { role: 'bot' });
  });
  afterAll(async () => {
    await bot?.stop();
    await world?.close();
  });

  const message = (ts: string) => [...world.slack.messages().values()].find((m) => m.ts === ts);
  /** Requests a prune; a worker started by the test plans it. */
  const requestPrune = async () => {
    const runId = runIdOf(await bot.command('backup prune', { user: people.operator }));
    const approval = await bot.approvalMessage(runId);
    return { runId, ...approval };
  };
  const approvalUpdate = (ts: string, text: string) =>
    world.slack.waitFor(
      (c) => c.method === 'chat.update' && c.body.ts === ts && JSON.stringify(c.body).includes(text),
      15_000,
    );

  it('links to the report once the run succeeded, instead of saying it is queued', async () => {
    const worker = await startBot(world, { role: 'worker' });
    try {
      const { runId, approvalId, ts } = await requestPrune();
      await bot.click('approval_approve', approvalId, { user: people.approver });
      await bot.finalMessage(runId);
      const [run] = await bot.query<{ message_ts: string }>('SELECT message_ts FROM runs WHERE id = $1', [runId]);
      if (!run?.message_ts) throw new Error('the run has no message');
      const link = `<${permalink(run.message_ts)}|see the run's message>`;
      await approvalUpdate(ts, 'The run succeeded');
      const text = textOf(message(ts));
      expect(text).toContain(`Approved by <@${people.approver}>`);
      expect(text).toContain(`The run succeeded: ${link}.`);
      expect(text).not.toContain('The run is queued');
      // The update went out and was confirmed, so the sweeper has nothing left to re-deliver.
      const [row] = await bot.query<{ delivered: boolean }>(
        'SELECT decision_reported_at IS NOT NULL AS delivered FROM approvals WHERE id = $1',
        [approvalId],
      );
      expect(row?.delivered).toBe(true);
    } finally {
      await worker.stop();
    }
  });

  it('says who cancelled an approved run before it started', async () => {
    const worker = await startBot(world, { role: 'worker' });
    const { runId, approvalId, ts } = await requestPrune().finally(() => worker.stop());
    // No worker is left to take the run: it stays queued until it is cancelled.
    await bot.click('approval_approve', approvalId, { user: people.approver });
    await bot.runStatus(runId, 'queued');
    await approvalUpdate(ts, 'The run is queued');
    await bot.click('run_cancel', runId, { user: people.operator });
    await bot.runStatus(runId, 'cancelled');
    await approvalUpdate(ts, 'The run was cancelled by');
    const text = textOf(message(ts));
    expect(text).toContain(`The run was cancelled by <@${people.operator}> before it started.`);
    expect(text).not.toContain('The run is queued');
  });
});
