import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Bot, channels, createWorld, people, runIdOf, startBot, type World } from '../helpers/world.js';

type Reply = { text?: string; blocks?: unknown[] };
const text = (r: { json?: unknown }) => JSON.stringify((r.json as Reply).blocks ?? (r.json as Reply).text);

describe('run history, schedules and re-run', () => {
  let world: World;
  let bot: Bot;
  let healthRun: string;
  let pruneRun: string;
  beforeAll(async () => {
    world = await createWorld((cfg) => {
      cfg.schedules = [
        {
          name: 'daily-health',
          cron: '0 9 * * *',
          tz: 'UTC',
          run: 'health',
          service: 'thermaliq',
          channel: channels.ops,
          quiet: false,
        },
      ];
    });
    bot = await startBot(world);
    healthRun = runIdOf(await bot.command('health', { user: people.viewer }));
    await bot.finalMessage(healthRun);
    pruneRun = runIdOf(await bot.command('backup prune', { user: people.operator }));
    const { approvalId } = await bot.approvalMessage(pruneRun);
    await bot.click('approval_approve', approvalId, { user: people.approver });
    await bot.runStatus(pruneRun, 'succeeded');
  });
  afterAll(async () => {
    await bot?.stop();
    await world?.close();
  });

  it('lists recent runs with id, runbook, env, who, status and duration, and filters them', async () => {
    const all = text(await bot.command('runs', { user: people.viewer }));
    expect(all).toContain(healthRun);
    expect(all).toContain(pruneRun);
    expect(all).toMatch(/health\*? · production · <@UVIEWER1> · succeeded · [\d.]+ (ms|s)/);
    const onlyPrune = text(await bot.command('runs 5 --runbook "backup prune"', { user: people.viewer }));
    expect(onlyPrune).toContain(pruneRun);
    expect(onlyPrune).not.toContain(healthRun);
    const byUser = text(await bot.command(`runs --user <@${people.viewer}|vera>`, { user: people.viewer }));
    expect(byUser).toContain(healthRun);
    expect(byUser).not.toContain(pruneRun);
    expect(text(await bot.command('runs 500', { user: people.viewer }))).toContain('is not a count from 1 to 50');
    expect(text(await bot.command('runs --runbook nope', { user: people.viewer }))).toContain('--runbook needs one of');
  });

  it('shows one run: plan, approvals, steps with durations, and the report', async () => {
    const detail = text(await bot.command(`run ${pruneRun}`, { user: people.viewer }));
    expect(detail).toContain('*Plan:* Delete 0 of');
    expect(detail).toContain('approved by <@UAPPROVER1>');
    expect(detail).toMatch(/delete: succeeded · [\d.]+ (ms|s)/);
    expect(detail).toContain('*Report:*');
    expect(text(await bot.command('run r-ffffffffff', { user: people.viewer }))).toContain(
      'There is no run r-ffffffffff',
    );
    expect(text(await bot.command('run ../etc', { user: people.viewer }))).toContain('Usage: run &lt;run id&gt;');
  });

  it('lists schedules with their next fire time', async () => {
    const schedules = text(await bot.command('schedules', { user: people.viewer }));
    expect(schedules).toContain('daily-health');
    expect(schedules).toContain('0 9 * * *');
    expect(schedules).toMatch(/next <!date\^\d+/);
  });

  it('re-runs a read runbook from its report button with the same params, as the clicker', async () => {
    await bot.click('run_rerun', healthRun, { user: people.operator });
    const rerun = await world.slack.waitFor(
      (c) =>
        c.method === 'chat.postEphemeral' &&
        c.body.user === people.operator &&
        String(c.body.text).includes('health on'),
    );
    const newId = /run (r-[0-9a-f]+)/.exec(String(rerun.body.text))?.[1] ?? '';
    await bot.runStatus(newId, 'succeeded');
    const [row] = await bot.query<{ rerun_of: string; requested_by: string }>(
      'SELECT rerun_of, requested_by FROM runs WHERE id = $1',
      [newId],
    );
    expect(row).toEqual({ rerun_of: healthRun, requested_by: people.operator });
  });

  it('sends a re-run of a destructive runbook through approval again, and refuses a viewer', async () => {
    await bot.click('run_rerun', pruneRun, { user: people.viewer });
    await world.slack.waitFor(
      (c) =>
        c.method === 'chat.postEphemeral' &&
        c.body.user === people.viewer &&
        String(c.body.text).includes('needs the operator role'),
    );
    await bot.click('run_rerun', pruneRun, { user: people.operator });
    const reply = await world.slack.waitFor(
      (c) =>
        c.method === 'chat.postEphemeral' &&
        c.body.user === people.operator &&
        String(c.body.text).includes('(planning)'),
    );
    const newId = /run (r-[0-9a-f]+)/.exec(String(reply.body.text))?.[1] ?? '';
    await bot.runStatus(newId, 'awaiting_approval');
    const { approvalId } = await bot.approvalMessage(newId);
    expect(approvalId).toMatch(/^a-/);
  });
});
