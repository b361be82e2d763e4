import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Bot, channels, createWorld, people, startBot, type World } from '../helpers/world.js';
import { type FakeSocketMode, type SocketModeAck, startFakeSocketMode } from '../support/fake-socket-mode.js';
import { waitUntil } from '../support/services.js';
import { fakeTriggerId, type SlashCommandInput } from '../support/slack-signing.js';

const appToken = 'xapp-1-A0FAKEAPP-1234567890-0123456789abcdef';

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
    world = await createWorld();
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

  it('reconnects on a refresh_requested disconnect and loses no command sent around it', async () => {
    const opensBefore = world.slack.callsOf('apps.connections.open').length;
    const old = socket.connections().at(-1);
    if (!old) throw new Error('no connection');
    const sent: { envelopeId: string; triggerId: string; phase: string }[] = [];
    const send = (phase: string) => {
      const triggerId = fakeTriggerId();
      sent.push({ envelopeId: command('cache stats', people.viewer, { trigger_id: triggerId }), triggerId, phase });
    };
    const of = (phase: string) => sent.filter((s) => s.phase === phase);

    // 6 commands on the old connection, answered there.
    for (let i = 0; i < 6; i += 1) send('before');
    for (const s of of('before')) expect((await socket.waitForAck(s.envelopeId)).connectionId).toBe(old.id);

    // In one burst: 4 commands the client receives before the disconnect frame, the frame, and 4 after it. The
    // client closes the socket when it reads the frame, so it reads the last 4 no more and can't ack the first 4.
    for (let i = 0; i < 4; i += 1) send('in flight');
    expect(socket.disconnect('refresh_requested')).toBe(old.id);
    for (let i = 0; i < 4; i += 1) send('after disconnect');

    const closed = await socket.waitForClose(old.id);
    expect(closed.closed).toEqual({ code: 1000, startedBy: 'client' });
    // 3 more while the bot has no connection: Slack holds them for the next one.
    for (let i = 0; i < 3; i += 1) send('while away');

    const next = await socket.waitForConnection(old.id + 1, 20_000);
    expect(next).toMatchObject({ appToken, hello: true });
    expect(world.slack.callsOf('apps.connections.open')).toHaveLength(opensBefore + 1);
    for (let i = 0; i < 3; i += 1) send('after reconnect');
    expect(sent).toHaveLength(20);

    // Every command is answered; each one not answered before the disconnect, on the new connection.
    for (const s of sent) await socket.waitForAck(s.envelopeId, 15_000);
    for (const s of sent.filter((x) => x.phase !== 'before')) {
      expect(socket.envelope(s.envelopeId)?.acks.map((a) => a.connectionId)).toEqual([next.id]);
    }
    // What the old connection delivered and never got an ack for was redelivered, marked as a retry.
    for (const s of [...of('in flight'), ...of('after disconnect')]) {
      expect(socket.envelope(s.envelopeId)?.deliveries).toEqual([
        { connectionId: old.id, retryAttempt: 0 },
        { connectionId: next.id, retryAttempt: 1, retryReason: 'timeout' },
      ]);
    }
    for (const s of [...of('while away'), ...of('after reconnect')]) {
      expect(socket.envelope(s.envelopeId)?.deliveries).toEqual([{ connectionId: next.id, retryAttempt: 0 }]);
    }
    expect(socket.connections().flatMap((c) => c.strayFrames)).toEqual([]);

    // No command is lost, and none runs twice: each has exactly one run, redelivered or not.
    const runs = await bot.query<{ request_id: string; runs: number }>(
      'SELECT request_id, count(*)::int AS runs FROM runs WHERE request_id = ANY($1) GROUP BY request_id',
      [sent.map((s) => s.triggerId)],
    );
    const runsOf = new Map(runs.map((r) => [r.request_id, r.runs]));
    for (const s of sent) expect(runsOf.get(s.triggerId), `${s.phase} ${s.triggerId}`).toBe(1);
    // Let every run finish before the bot stops.
    await waitUntil(
      async () =>
        (
          await bot.query('SELECT 1 FROM runs WHERE request_id = ANY($1) AND status IN ($2, $3)', [
            sent.map((s) => s.triggerId),
            'queued',
            'running',
          ])
        ).length === 0,
      { timeoutMs: 20_000, description: 'every run of the batch to finish' },
    );
  }, 60_000);

  // A slash command whose ack was lost when the connection closed comes again; the bot dedupes on its trigger_id
  // (runs.request_id is unique) and answers with the run the first delivery made.
  it('runs a command once when its envelope is redelivered after the ack was lost in a reconnect', async () => {
    const old = socket.connections().at(-1);
    if (!old) throw new Error('no connection');
    const triggerId = fakeTriggerId();
    const envelopeId = command('cache stats', people.viewer, { trigger_id: triggerId });
    socket.disconnect('refresh_requested');
    await socket.waitForConnection(old.id + 1, 20_000);
    const ack = await socket.waitForAck(envelopeId, 15_000);
    expect(ack.connectionId).toBe(old.id + 1);
    expect(socket.envelope(envelopeId)?.deliveries.map((d) => d.retryAttempt)).toEqual([0, 1]);
    const runs = await bot.query<{ id: string }>('SELECT id FROM runs WHERE request_id = $1', [triggerId]);
    // The answer to the redelivery names the run the first delivery started, and there is no other.
    expect(runs).toEqual([{ id: runIdIn(ack) }]);
  }, 60_000);
});
