import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Bot, botEnv, channels, createWorld, people, runIdOf, startBot, type World } from '../helpers/world.js';
import { postSigned, slashCommandBody } from '../support/slack-signing.js';

type Reply = { response_type?: string; text?: string };

describe('slash command policy: bad input, roles, channels, signatures', () => {
  let world: World;
  let bot: Bot;
  beforeAll(async () => {
    world = await createWorld((cfg) => {
      // A command only operators may run, so role checks are visible with the registry as it is.
      cfg.roles.viewer = [people.viewer];
    });
    world.slack.setUsergroupMembers('SOPSGROUP1', [people.groupMember]);
    bot = await startBot(world);
  });
  afterAll(async () => {
    await bot?.stop();
    await world?.close();
  });

  const runCount = async () => Number((await bot.query<{ n: string }>('SELECT count(*) AS n FROM runs'))[0]?.n);

  it('answers an unknown command ephemerally with the nearest valid command, and runs nothing', async () => {
    const before = await runCount();
    const reply = await bot.command('helth');
    const body = reply.json as Reply;
    expect(body.response_type).toBe('ephemeral');
    expect(body.text).toContain('"helth" is not a command');
    expect(body.text).toContain('Did you mean `/thermaliq health`?');
    expect(await runCount()).toBe(before);
    const [audit] = await bot.query<{ decision: string; reason: string; command_text: string }>(
      "SELECT decision, reason, command_text FROM audit_events WHERE command_text = '/thermaliq helth'",
    );
    expect(audit).toEqual({ decision: 'deny', reason: 'unknown_command', command_text: '/thermaliq helth' });
  });

  it('gives a specific reason for invalid arguments', async () => {
    const before = await runCount();
    const extra = (await bot.command('health now please')).json as Reply;
    expect(extra.text).toBe(
      'Extra words "now please": health takes no words after its name. Example: `/thermaliq health`',
    );
    const env = (await bot.command('health --env qa')).json as Reply;
    expect(env.text).toContain('Unknown environment "qa" for GL-009 THERMALIQ. Valid: production, staging.');
    const quote = (await bot.command('health "unclosed')).json as Reply;
    expect(quote.text).toContain('A " quote is not closed.');
    expect(await runCount()).toBe(before);
  });

  it('refuses a user without a role, and one outside the allowed channels, and audits both', async () => {
    const before = await runCount();
    const stranger = (await bot.command('health', { user: people.stranger })).json as Reply;
    expect(stranger.response_type).toBe('ephemeral');
    expect(stranger.text).toContain('health needs the viewer role; you have no role.');
    const elsewhere = (await bot.command('health', { user: people.admin, channel: channels.random })).json as Reply;
    expect(elsewhere.text).toContain("/thermaliq can't be used in this channel");
    expect(await runCount()).toBe(before);
    const denials = await bot.query<{ actor: string; reason: string; channel_id: string }>(
      "SELECT actor, reason, channel_id FROM audit_events WHERE decision = 'deny' AND actor IN ($1, $2) ORDER BY id",
      [people.stranger, people.admin],
    );
    expect(denials).toEqual([
      { actor: people.stranger, reason: 'forbidden', channel_id: channels.ops },
      { actor: people.admin, reason: 'channel_not_allowed', channel_id: channels.random },
    ]);
  });

  it('grants a role through a Slack user group (usergroups.users.list), and caches the lookup', async () => {
    const first = (await bot.command('health', { user: people.groupMember })).json as Reply;
    expect(first.text).toMatch(/health on GL-009 THERMALIQ \(production\): run r-[0-9a-f]+ \(running\)/);
    const help = (await bot.command('help', { user: people.groupMember })).json as Reply & { blocks: unknown[] };
    expect(JSON.stringify(help.blocks)).toContain('Your role: *operator*');
    // Several commands by several users so far; the group was looked up once and then served from the cache.
    const lookups = world.slack.callsOf('usergroups.users.list').filter((c) => c.body.usergroup === 'SOPSGROUP1');
    expect(lookups).toHaveLength(1);
  });

  it('lists in help only what the caller may run, with the role named', async () => {
    const viewer = (await bot.command('help', { user: people.viewer })).json as Reply & { blocks: unknown[] };
    const text = JSON.stringify(viewer.blocks);
    expect(text).toContain('/thermaliq health');
    expect(text).toContain('Your role: *viewer*');
    const none = (await bot.command('', { user: people.stranger })).json as Reply;
    expect(none.text).toContain('You have no role for GL-009 THERMALIQ');
  });

  it('rejects a forged signature and a stale timestamp with 401, and enqueues and audits nothing', async () => {
    const runsBefore = await runCount();
    const auditBefore = (await bot.query<{ n: string }>('SELECT count(*) AS n FROM audit_events'))[0]?.n;
    const body = slashCommandBody({
      command: '/thermaliq',
      text: 'health',
      user_id: people.admin,
      channel_id: channels.ops,
    });
    const forged = await postSigned(bot.url, 'not-the-secret', body);
    expect(forged.status).toBe(401);
    const stale = await bot.command('health', {
      user: people.admin,
      timestamp: Math.floor(Date.now() / 1000) - 6 * 60,
    });
    expect(stale.status).toBe(401);
    const unsigned = await fetch(bot.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    expect(unsigned.status).toBe(401);
    expect(await runCount()).toBe(runsBefore);
    expect((await bot.query<{ n: string }>('SELECT count(*) AS n FROM audit_events'))[0]?.n).toBe(auditBefore);
  });

  it('runs a request delivered twice (same trigger_id) once, and answers both with that run', async () => {
    const body = slashCommandBody({
      command: '/thermaliq',
      text: 'health',
      user_id: people.viewer,
      channel_id: channels.ops,
      trigger_id: '4711000000001.1000001.feedfacefeedfacefeedfacefeedface',
    });
    const secret = botEnv(world).SLACK_SIGNING_SECRET ?? '';
    // Two copies at once (the unique index decides), then a late one (found before anything is checked again).
    const replies = await Promise.all([postSigned(bot.url, secret, body), postSigned(bot.url, secret, body)]);
    replies.push(await postSigned(bot.url, secret, body));
    const ids = replies.map((r) => runIdOf(r));
    const runs = await bot.query<{ id: string }>('SELECT id FROM runs WHERE request_id = $1', [
      '4711000000001.1000001.feedfacefeedfacefeedfacefeedface',
    ]);
    expect(runs).toHaveLength(1);
    expect(ids).toEqual([runs[0]?.id, runs[0]?.id, runs[0]?.id]);
    const allowed = await bot.query(
      "SELECT 1 FROM audit_events WHERE request_id = $1 AND decision = 'allow' AND run_id IS NOT NULL",
      ['4711000000001.1000001.feedfacefeedfacefeedfacefeedface'],
    );
    expect(allowed).toHaveLength(1);
  });

  it('keeps the audit log append-only', async () => {
    await expect(bot.query('DELETE FROM audit_events')).rejects.toThrow(/append-only/);
    await expect(bot.query("UPDATE audit_events SET actor = 'x'")).rejects.toThrow(/append-only/);
  });
});
