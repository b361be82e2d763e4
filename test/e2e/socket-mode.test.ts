import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertsConfigSchema } from '../../src/config/alerts-config.js';
import { type Bot, channels, createWorld, people, startBot, type World } from '../helpers/world.js';
import { startAlertmanager } from '../support/alertmanager.js';
import { type FakeSocketMode, type SocketModeAck, startFakeSocketMode } from '../support/fake-socket-mode.js';
import { waitUntil } from '../support/services.js';
import { fakeTriggerId, type SlashCommandInput } from '../support/slack-signing.js';

const appToken = 'xapp-1-A0FAKEAPP-1234567890-0123456789abcdef';
const alertToken = 'socket-mode-alert-token-42';

/** The run id the bot's command answer names. */
function runIdIn(ack: SocketModeAck): string {
  const match = /run `?(r-[0-9a-f]+)`?/.exec(String(ack.payload?.text ?? ''));
  if (!match?.[1]) throw new Error(`no run id in the ack payload: ${JSON.stringify(ack.payload)}`);
  return match[1];
}

describe('Socket Mode', () => {
  let world: World;
  let socket: FakeSocketMode;
  let bot: Bot;
  let httpPort: number;

  beforeAll(async () => {
    world = await createWorld((cfg) => {
      cfg.alerts = alertsConfigSchema.parse({
        webhook: { bearerToken: alertToken },
        routes: [{ channel: channels.ops }],
      });
    });
    socket = await startFakeSocketMode();
    world.slack.serveSocketMode((token) => socket.openUrl(token));
    // PORT=0: the probes' server takes a free port and reports it (the world binds HOST 127.0.0.1).
    bot = await startBot(world, { env: { SLACK_APP_TOKEN: appToken, SLACK_SIGNING_SECRET: '' } });
    httpPort = bot.instance.port;
  });
  afterAll(async () => {
    await bot?.stop();
    await socket?.close();
    await world?.close();
  });

  const command = (text: string, user: string, extra: Partial<SlashCommandInput> = {}) =>
    socket.sendSlashCommand({
      command: '/thermaliq',
      text,
      user_id: user,
      channel_id: channels.ops,
      ...extra,
    });

  it('opens a connection with the app token, gets hello, and still serves the probes over HTTP', async () => {
    const opens = world.slack.callsOf('apps.connections.open');
    expect(opens).toHaveLength(1);
    expect(opens[0]?.token).toBe(appToken);
    const [first] = socket.connections();
    expect(first).toMatchObject({ id: 1, appToken, hello: true });
    expect(first?.closed).toBeUndefined();
    // The bot token is checked once at boot; the app token is used for nothing else.
    expect(world.slack.callsOf('auth.test').map((c) => c.token)).toEqual(['xoxb-test-token']);
    expect(world.slack.calls.filter((c) => c.token === appToken).map((c) => c.method)).toEqual([
      'apps.connections.open',
    ]);
    // Slack refuses a bot token there.
    const withBotToken = await fetch(`${world.slack.url}apps.connections.open`, {
      method: 'POST',
      headers: { authorization: 'Bearer xoxb-test-token' },
    });
    expect(await withBotToken.json()).toEqual({ ok: false, error: 'not_allowed_token_type' });

    expect(httpPort).toBeGreaterThan(0);
    const ready = await fetch(`http://127.0.0.1:${httpPort}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
    expect((await fetch(`http://127.0.0.1:${httpPort}/healthz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${httpPort}/metrics`)).status).toBe(200);
    // Commands come over the socket only: there is no HTTP events endpoint to forge requests into.
    const events = await fetch(`http://127.0.0.1:${httpPort}/slack/events`, { method: 'POST', body: 'x=1' });
    expect(events.status).toBe(404);
  });

  it("takes Alertmanager's webhook on the same HTTP port as the probes, and posts the group", async () => {
    const manager = await startAlertmanager({
      webhookUrl: `http://127.0.0.1:${httpPort}/alerts/alertmanager`,
      bearerToken: alertToken,
    });
    try {
      await manager.postAlerts([
        {
          labels: { alertname: 'DiskSpaceLow', severity: 'warning', service: 'thermaliq' },
          annotations: { summary: 'Disk space low' },
          startsAt: new Date(Date.now() - 60_000).toISOString(),
        },
      ]);
      const post = await world.slack.waitFor(
        (c) => c.method === 'chat.postMessage' && String(c.body.text).includes('Firing: DiskSpaceLow'),
        15_000,
      );
      expect(post.body.channel).toBe(channels.ops);
      const metrics = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
      expect(metrics).toMatch(
        /chatops_alert_notifications_total\{status="firing",outcome="new",alertname="DiskSpaceLow",role="all"\} 1/,
      );
    } finally {
      await manager.close();
    }
  });

  it('acks a slash_commands envelope with the answer, records the run and posts its report', async () => {
    const triggerId = fakeTriggerId();
    const envelopeId = command('health', people.viewer, {
      trigger_id: triggerId,
      response_url: world.slack.responseUrl('health-over-socket'),
    });
    const ack = await socket.waitForAck(envelopeId);
    expect(ack.connectionId).toBe(1);
    expect(ack.payload).toMatchObject({ response_type: 'ephemeral' });
    expect(JSON.stringify(ack.payload?.blocks)).toContain('Started *health* on GL-009 THERMALIQ (production)');
    const runId = runIdIn(ack);

    const [run] = await bot.query<{ runbook: string; requested_by: string; channel_id: string; request_id: string }>(
      'SELECT runbook, requested_by, channel_id, request_id FROM runs WHERE id = $1',
      [runId],
    );
    expect(run).toEqual({
      runbook: 'health',
      requested_by: people.viewer,
      channel_id: channels.ops,
      request_id: triggerId,
    });
    const final = await bot.finalMessage(runId);
    expect(JSON.stringify(final.blocks)).toContain(':large_green_circle:');
    const [done] = await bot.query<{ status: string }>('SELECT status FROM runs WHERE id = $1', [runId]);
    expect(done?.status).toBe('succeeded');
    // The answer went in the ack, so the response_url was left for later use.
    expect(world.slack.callsOf('response_url')).toHaveLength(0);
    expect(socket.envelope(envelopeId)?.acks).toHaveLength(1);
  });

  it('acks an interactive envelope (Approve on a destructive run) and the approval takes effect', async () => {
    const request = await socket.waitForAck(command('backup prune', people.operator));
    const runId = runIdIn(request);
    const { ts, approvalId } = await bot.approvalMessage(runId);

    const click = socket.sendBlockActions({
      action_id: 'approval_approve',
      value: approvalId,
      user_id: people.approver,
      channel_id: channels.ops,
      message_ts: ts,
      response_url: world.slack.responseUrl('approve-over-socket'),
    });
    const ack = await socket.waitForAck(click);
    // Buttons are acked at once with an empty payload (Slack sends block_actions with accepts_response_payload false).
    expect(ack.payload).toEqual({});
    expect(socket.envelope(click)?.acceptsResponsePayload).toBe(false);

    await bot.runStatus(runId, 'succeeded');
    const approval = await world.slack.waitFor(
      (c) => c.method === 'chat.update' && c.body.ts === ts && JSON.stringify(c.body).includes('Approved by'),
    );
    expect(JSON.stringify(approval.body)).toContain(`Approved by <@${people.approver}>`);
    const [decided] = await bot.query<{ status: string }>('SELECT status FROM approvals WHERE id = $1', [approvalId]);
    expect(decided?.status).toBe('approved');
  });

  /** Waits until every run of these triggers has finished, so the bot stops with nothing in flight. */
  const allFinished = (triggerIds: string[]) =>
    waitUntil(
      async () =>
        (
          await bot.query('SELECT 1 FROM runs WHERE request_id = ANY($1) AND status IN ($2, $3)', [
            triggerIds,
            'queued',
            'running',
          ])
        ).length === 0,
      { timeoutMs: 20_000, description: 'every run of the batch to finish' },
    );

  /** Asserts each trigger has exactly one run. */
  const expectOneRunEach = async (triggerIds: string[]) => {
    const runs = await bot.query<{ request_id: string; runs: number }>(
      'SELECT request_id, count(*)::int AS runs FROM runs WHERE request_id = ANY($1) GROUP BY request_id',
      [triggerIds],
    );
    const runsOf = new Map(runs.map((r) => [r.request_id, r.runs]));
    for (const id of triggerIds) expect(runsOf.get(id), id).toBe(1);
  };

  it.each(['refresh_requested', 'warning'] as const)(
    'keeps the old connection over a %s disconnect until the new one is up, acking every command in the gap',
    async (reason) => {
      const opensBefore = world.slack.callsOf('apps.connections.open').length;
      const old = socket.connections().at(-1);
      if (!old) throw new Error('no connection');
      const sent: { envelopeId: string; triggerId: string; phase: string }[] = [];
      const send = (phase: string) => {
        const triggerId = fakeTriggerId();
        sent.push({ envelopeId: command('cache stats', people.viewer, { trigger_id: triggerId }), triggerId, phase });
      };
      const of = (phase: string) => sent.filter((s) => s.phase === phase);

      for (let i = 0; i < 3; i += 1) send('before');
      for (const s of of('before')) expect((await socket.waitForAck(s.envelopeId)).connectionId).toBe(old.id);

      // Slack's edge is slow to give the next connection: the bot has asked for it and does not have it yet.
      const release = socket.holdConnections();
      // In one burst: commands the bot reads before the disconnect frame, the frame, and commands after it.
      for (let i = 0; i < 3; i += 1) send('in flight');
      expect(socket.disconnect(reason)).toBe(old.id);
      for (let i = 0; i < 3; i += 1) send('after disconnect');
      await socket.waitForParkedUpgrades(1, 20_000);
      expect(world.slack.callsOf('apps.connections.open')).toHaveLength(opensBefore + 1);
      // While the next connection is being set up, Slack still sends on the old one, and the bot answers there.
      for (let i = 0; i < 3; i += 1) send('in the gap');
      const gap = [...of('in flight'), ...of('after disconnect'), ...of('in the gap')];
      for (const s of gap) {
        const ack = await socket.waitForAck(s.envelopeId, 10_000);
        expect(ack.connectionId).toBe(old.id);
        expect(socket.envelope(s.envelopeId)?.deliveries).toEqual([{ connectionId: old.id, retryAttempt: 0 }]);
      }
      expect(socket.connections()[old.id - 1]?.closed).toBeUndefined();

      release();
      const next = await socket.waitForConnection(old.id + 1, 20_000);
      expect(next).toMatchObject({ appToken, hello: true });
      // The bot closes the old connection itself, and only after the new one said hello.
      const closed = (await socket.waitForClose(old.id, 10_000)).closed;
      expect(closed).toMatchObject({ code: 1000, startedBy: 'client' });
      expect(closed?.step).toBeGreaterThan(next.helloStep ?? Number.POSITIVE_INFINITY);
      expect(world.slack.callsOf('apps.connections.open')).toHaveLength(opensBefore + 1);

      for (let i = 0; i < 3; i += 1) send('after');
      for (const s of of('after')) expect((await socket.waitForAck(s.envelopeId, 10_000)).connectionId).toBe(next.id);
      // Nothing was redelivered, nothing was abandoned, and no connection got a stray frame.
      for (const s of sent) expect(socket.envelope(s.envelopeId)?.deliveries).toHaveLength(1);
      expect(socket.envelopes().filter((e) => e.abandoned)).toEqual([]);
      expect(socket.connections().flatMap((c) => c.strayFrames)).toEqual([]);
      // Exactly one connection is open again.
      expect(
        socket
          .connections()
          .filter((c) => c.closed === undefined)
          .map((c) => c.id),
      ).toEqual([next.id]);

      await expectOneRunEach(sent.map((s) => s.triggerId));
      await allFinished(sent.map((s) => s.triggerId));
    },
    60_000,
  );

  // Slack's edge can also vanish without a disconnect frame. The bot opens a new connection; a slash command whose
  // ack was lost on the dead one comes again there, and the bot dedupes on its trigger_id (runs.request_id is unique).
  it('replaces a connection dropped without warning and runs once a command whose ack was lost', async () => {
    const old = socket.connections().at(-1);
    if (!old) throw new Error('no connection');
    socket.loseAcksOn(old.id);
    const triggerId = fakeTriggerId();
    const envelopeId = command('cache stats', people.viewer, { trigger_id: triggerId });
    await waitUntil(() => socket.connections()[old.id - 1]?.lostAcks.includes(envelopeId) === true, {
      timeoutMs: 10_000,
      description: 'the bot to ack on the old connection',
    });
    socket.terminate(old.id);

    const next = await socket.waitForConnection(old.id + 1, 20_000);
    const ack = await socket.waitForAck(envelopeId, 15_000);
    expect(ack.connectionId).toBe(next.id);
    expect(socket.envelope(envelopeId)?.deliveries).toEqual([
      { connectionId: old.id, retryAttempt: 0 },
      { connectionId: next.id, retryAttempt: 1, retryReason: 'timeout' },
    ]);
    const runs = await bot.query<{ id: string }>('SELECT id FROM runs WHERE request_id = $1', [triggerId]);
    // The answer to the redelivery names the run the first delivery started, and there is no other.
    expect(runs).toEqual([{ id: runIdIn(ack) }]);
    await allFinished([triggerId]);
  }, 60_000);
});
