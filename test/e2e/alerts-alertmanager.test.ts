import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { alertsConfigSchema } from '../../src/config/alerts-config.js';
import { type Bot, channels, createWorld, people, startBot, type World } from '../helpers/world.js';
import { startAlertmanager, type TestAlertmanager } from '../support/alertmanager.js';
import type { SlackCall } from '../support/fake-slack.js';
import { closedPort, waitUntil } from '../support/services.js';

const token = 'alertmanager-test-token-0123';
/** Prometheus sends each alert's activeAt as startsAt, the same to every Alertmanager it notifies. */
const activeAt = new Date(Date.now() - 60_000).toISOString();

/** The guides' BackupFailed, as the VCCI rule labels it, for the world's service. */
function backupFailed(extra: Record<string, string> = {}, endsAt?: string) {
  return {
    labels: {
      alertname: 'BackupFailed',
      severity: 'critical',
      service: 'thermaliq',
      environment: 'production',
      ...extra,
    },
    annotations: {
      summary: 'Database backup failed',
      description: 'Last backup was more than 24 hours ago',
    },
    generatorURL: 'http://prometheus:9090/graph?g0.expr=time()-backup_last_success_timestamp_seconds',
    startsAt: activeAt,
    ...(endsAt ? { endsAt } : {}),
  };
}

function alertPosts(w: World, name: string): SlackCall[] {
  return w.slack
    .callsOf('chat.postMessage')
    .filter((c) => c.ok && c.body.channel === channels.ops && !c.body.thread_ts && String(c.body.text).includes(name));
}

describe('Alertmanager → Slack: one message per group, diagnosis in its thread, runbooks one click away', () => {
  let world: World;
  let bots: Bot[];
  let managers: TestAlertmanager[];

  beforeAll(async () => {
    // The first Alertmanager's API is where the bot makes silences and reads what fires.
    const apiPort = await closedPort();
    world = await createWorld((cfg) => {
      cfg.alerts = alertsConfigSchema.parse({
        webhook: { bearerToken: token },
        alertmanagerUrl: `http://127.0.0.1:${apiPort}`,
        routes: [{ match: { service: 'thermaliq' }, channel: channels.ops }],
        runbooks: [
          { alert: 'BackupFailed', suggest: ['backup verify', 'backup now'], diagnose: ['backups --limit 3'] },
          { alert: 'PodCrashLooping', suggest: ['pods', 'restart'] },
        ],
      });
    });
    // Two bot instances on one store and queue, each fed by its own Alertmanager: an HA pair both sending.
    bots = [await startBot(world), await startBot(world)];
    managers = await Promise.all(
      bots.map((b, i) =>
        startAlertmanager({
          webhookUrl: `http://127.0.0.1:${b.instance.port}/alerts/alertmanager`,
          bearerToken: token,
          port: i === 0 ? apiPort : undefined,
        }),
      ),
    );
  }, 60_000);
  afterAll(async () => {
    for (const m of managers ?? []) await m.close();
    for (const b of bots ?? []) await b.stop();
    await world?.close();
  });

  it('posts a firing group once across two Alertmanagers and two instances, diagnoses it once in the thread, and updates it on resolve', async () => {
    const [bot] = bots;
    if (!bot) throw new Error('no bot');
    await Promise.all(managers.map((m) => m.postAlerts([backupFailed()])));
    const post = await world.slack.waitFor(
      (c) => c.method === 'chat.postMessage' && String(c.body.text).includes('Firing: BackupFailed'),
      15_000,
    );
    const ts = await waitUntil(
      async () =>
        (await bot.query<{ message_ts: string | null }>('SELECT message_ts FROM alert_groups'))[0]?.message_ts ?? false,
      { timeoutMs: 10_000, description: 'the group to record its message' },
    );
    expect(post.body.channel).toBe(channels.ops);
    const blocks = JSON.stringify(post.body.blocks);
    expect(blocks).toContain('Database backup failed');
    expect(blocks).toContain('alert_runbook_0');
    expect(blocks).toContain('backup verify');

    // The diagnosis: one run, by the bot itself, reporting in the alert's thread.
    const diagnoses = await waitUntil(
      async () => {
        const rows = await bot.query<{ id: string; runbook: string; thread_ts: string; status: string }>(
          "SELECT id, runbook, thread_ts, status FROM runs WHERE requested_by = 'alertmanager'",
        );
        return rows.length > 0 && rows.every((r) => r.status === 'succeeded') && rows;
      },
      { timeoutMs: 20_000, description: 'the diagnosis to finish' },
    );
    expect(diagnoses).toEqual([expect.objectContaining({ runbook: 'backups', thread_ts: ts })]);
    await world.slack.waitFor((c) => c.method === 'chat.postMessage' && c.body.thread_ts === ts, 10_000);
    const audit = await bot.query<{ actor: string; reason: string }>(
      "SELECT actor, reason FROM audit_events WHERE action = 'run:backups'",
    );
    expect(audit).toEqual([{ actor: 'alertmanager', reason: 'alert diagnosis' }]);

    // Both Alertmanagers notify again at group_interval with nothing new: still one message, one diagnosis.
    await Promise.all(managers.map((m) => m.postAlerts([backupFailed()])));
    const notifications = await waitUntil(
      async () => {
        const rows = await bot.query<{ n: string }>(
          "SELECT count(*) AS n FROM audit_events WHERE action = 'run:backups'",
        );
        return rows[0]?.n === '1' && world.slack.callsOf('chat.postMessage').length;
      },
      { description: 'the repeats to settle' },
    );
    expect(notifications).toBeGreaterThan(0);
    expect(alertPosts(world, 'BackupFailed')).toHaveLength(1);

    // Resolved: the same message says so, in place.
    const past = new Date(Date.now() - 1000).toISOString();
    await Promise.all(managers.map((m) => m.postAlerts([backupFailed({}, past)])));
    await waitUntil(
      () => {
        const message = world.slack.messages().get(`${channels.ops}/${ts}`);
        return message?.text?.includes('Resolved: BackupFailed') ?? false;
      },
      { timeoutMs: 15_000, description: 'the message to show the group resolved' },
    );
    expect(alertPosts(world, 'BackupFailed')).toHaveLength(1);
    const [group] = await bot.query<{ status: string; n: number }>(
      'SELECT status, jsonb_array_length(alerts) AS n FROM alert_groups',
    );
    expect(group).toEqual({ status: 'resolved', n: 1 });
    expect(world.slack.violations()).toEqual([]);
  });

  it('a runbook button goes through the slash command policy: a viewer is refused, an operator starts the run', async () => {
    const [bot] = bots;
    if (!bot) throw new Error('no bot');
    const [group] = await bot.query<{ id: string; suggestions: string[]; message_ts: string }>(
      'SELECT id, suggestions, message_ts FROM alert_groups',
    );
    if (!group) throw new Error('no group');
    expect(group.suggestions).toEqual(['backup verify', 'backup now']);
    const before = await bot.query<{ n: string }>("SELECT count(*) AS n FROM runs WHERE runbook = 'backup now'");
    await bot.click('alert_runbook_1', `${group.id}|1`, { user: people.viewer, messageTs: group.message_ts });
    await waitUntil(() => bot.ephemeralsFor(people.viewer).some((t) => t.includes('operator role')), {
      description: 'the viewer to be refused',
    });
    expect(await bot.query<{ n: string }>("SELECT count(*) AS n FROM runs WHERE runbook = 'backup now'")).toEqual(
      before,
    );
    const denied = await bot.query<{ decision: string; command_text: string }>(
      "SELECT decision, command_text FROM audit_events WHERE actor = $1 AND action = 'run:backup now'",
      [people.viewer],
    );
    expect(denied).toEqual([{ decision: 'deny', command_text: '/thermaliq backup now --env production' }]);

    await bot.click('alert_runbook_1', `${group.id}|1`, { user: people.operator, messageTs: group.message_ts });
    const run = await waitUntil(
      async () =>
        (
          await bot.query<{ id: string; requested_by: string; environment: string }>(
            "SELECT id, requested_by, environment FROM runs WHERE runbook = 'backup now'",
          )
        )[0] ?? false,
      { description: 'the operator click to start backup now' },
    );
    expect(run).toEqual(expect.objectContaining({ requested_by: people.operator, environment: 'production' }));

    // A forged value names nothing: refused, nothing runs.
    await bot.click('alert_runbook_0', 'ag-0000000000000000|0', { user: people.operator });
    await waitUntil(() => bot.ephemeralsFor(people.operator).some((t) => t.includes('no longer known')), {
      description: 'the forged click to be refused',
    });
  });

  it('refuses what is not a authenticated, bounded Alertmanager payload, and stores nothing', async () => {
    const [bot] = bots;
    if (!bot) throw new Error('no bot');
    const url = `http://127.0.0.1:${bot.instance.port}/alerts/alertmanager`;
    const before = await bot.query('SELECT id, version FROM alert_groups ORDER BY id');
    const valid = {
      version: '4',
      groupKey: '{}:{alertname="Forged"}',
      status: 'firing',
      receiver: 'chatops',
      groupLabels: { alertname: 'Forged' },
      commonLabels: { alertname: 'Forged', service: 'thermaliq' },
      commonAnnotations: {},
      externalURL: 'http://alertmanager:9093',
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'Forged', service: 'thermaliq' },
          annotations: {},
          startsAt: new Date().toISOString(),
          endsAt: '0001-01-01T00:00:00Z',
          generatorURL: '',
          fingerprint: 'abcdef0123456789',
        },
      ],
    };
    const send = (body: string, headers: Record<string, string> = {}) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
        body,
      });
    const cases: [string, Promise<Response>, number, RegExp][] = [
      ['no credentials', send(JSON.stringify(valid), { authorization: '' }), 401, /credentials/],
      ['a wrong token', send(JSON.stringify(valid), { authorization: 'Bearer nope' }), 401, /credentials/],
      [
        'basic auth nobody configured',
        send(JSON.stringify(valid), { authorization: 'Basic dTpw' }),
        401,
        /credentials/,
      ],
      ['an oversized body', send(JSON.stringify({ ...valid, pad: 'x'.repeat(1_100_000) })), 413, /larger than/],
      ['malformed JSON', send('{"version": "4",'), 400, /not JSON/],
      ['another version', send(JSON.stringify({ ...valid, version: '3' })), 400, /version/],
      ['no alerts', send(JSON.stringify({ ...valid, alerts: [] })), 400, /alerts/],
      [
        'not JSON at all',
        send('version=4', { 'content-type': 'application/x-www-form-urlencoded' }),
        415,
        /application\/json/,
      ],
    ];
    for (const [what, response, status, reason] of cases) {
      const res = await response;
      expect({ what, status: res.status }).toEqual({ what, status });
      expect(z.object({ error: z.string() }).parse(await res.json()).error).toMatch(reason);
    }
    expect(await bot.query('SELECT id, version FROM alert_groups ORDER BY id')).toEqual(before);
    expect(alertPosts(world, 'Forged')).toEqual([]);
  });

  it('silences a group from Slack for operators only (Alertmanager lists the silence), shows it, and unsilences it', async () => {
    const [bot] = bots;
    const [manager] = managers;
    if (!bot || !manager) throw new Error('no bot');
    const crash = {
      labels: {
        alertname: 'PodCrashLooping',
        severity: 'warning',
        service: 'thermaliq',
        environment: 'production',
        pod: 'thermaliq-7d9f',
      },
      annotations: { summary: 'Pod is crash looping' },
      startsAt: activeAt,
    };
    await manager.postAlerts([crash]);
    const group = await waitUntil(
      async () =>
        (
          await bot.query<{ id: string; message_ts: string | null }>(
            'SELECT id, message_ts FROM alert_groups WHERE alerts @> \'[{"labels": {"alertname": "PodCrashLooping"}}]\'',
          )
        ).find((g) => g.message_ts !== null) ?? false,
      { timeoutMs: 15_000, description: 'the crash-looping group to be posted' },
    );
    const ts = group.message_ts ?? '';
    const silences = async () =>
      z
        .array(
          z.object({
            id: z.string(),
            status: z.object({ state: z.string() }),
            createdBy: z.string(),
            matchers: z.array(z.object({ name: z.string(), value: z.string() })),
          }),
        )
        .parse(await (await fetch(`${manager.url}/api/v2/silences`)).json());
    const shown = () => JSON.stringify(world.slack.messages().get(`${channels.ops}/${ts}`)?.blocks ?? []);
    expect(shown()).toContain('alert_silence_4h');

    await bot.click('alert_silence_4h', `${group.id}|4`, { user: people.viewer, messageTs: ts });
    await waitUntil(
      () => bot.ephemeralsFor(people.viewer).some((t) => t.includes('Silencing alerts needs the operator role')),
      {
        description: 'the viewer to be refused',
      },
    );
    expect(await silences()).toEqual([]);

    await bot.click('alert_silence_4h', `${group.id}|4`, { user: people.operator, messageTs: ts });
    const [silence] = await waitUntil(
      async () => {
        const all = await silences();
        return all.length > 0 && all;
      },
      { description: 'Alertmanager to list the silence' },
    );
    expect(silence?.status.state).toBe('active');
    expect(silence?.createdBy).toBe(`slack:${people.operator}`);
    expect(silence?.matchers.map((m) => `${m.name}=${m.value}`).sort()).toEqual([
      'alertname=PodCrashLooping',
      'environment=production',
      'service=thermaliq',
    ]);
    await waitUntil(
      () => shown().includes(`silenced by <@${people.operator}>`) && shown().includes('alert_unsilence'),
      {
        description: 'the message to show who silenced it',
      },
    );
    const audited = await bot.query<{ actor: string; decision: string }>(
      "SELECT actor, decision FROM audit_events WHERE action = 'alert_silence' ORDER BY at",
    );
    expect(audited).toEqual([
      { actor: people.viewer, decision: 'deny' },
      { actor: people.operator, decision: 'allow' },
    ]);

    // `alerts` lists what fires now: the silenced group is not among it.
    expect((await bot.command('alerts', { user: people.viewer })).text).toContain('Nothing fires for GL-009 THERMALIQ');

    await bot.click('alert_unsilence', group.id, { user: people.operator, messageTs: ts });
    await waitUntil(async () => (await silences())[0]?.status.state === 'expired', {
      description: 'the silence to be expired',
    });
    await waitUntil(() => !shown().includes('silenced by') && shown().includes('alert_silence_1h'), {
      description: 'the message to drop the silence',
    });

    // Unsilenced, it fires again: `alerts` lists it with its buttons.
    const listing = await waitUntil(
      async () => {
        const reply = await bot.command('alerts', { user: people.operator });
        return reply.text.includes('1 alert firing for GL-009 THERMALIQ') && reply.text;
      },
      { timeoutMs: 10_000, description: 'alerts to list the unsilenced group' },
    );
    expect(listing).toContain('Pod is crash looping');
    expect(listing).toContain(`"value":"${group.id}|0"`);
  });
});
