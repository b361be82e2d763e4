import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import {
  type BlockActionInput,
  blockActionPayload,
  FAKE_APP_ID,
  type SlashCommandInput,
  slashCommandBody,
} from './slack-signing.js';

/** The envelope types Slack sends over a Socket Mode connection. */
export type EnvelopeType = 'slash_commands' | 'interactive' | 'events_api';

/** Why Slack asks a client to reconnect. */
export type DisconnectReason = 'warning' | 'refresh_requested' | 'link_disabled';

/** One delivery of an envelope on a connection. */
export interface EnvelopeDelivery {
  connectionId: number;
  /** 0 for the first delivery; Slack counts redeliveries up from 1. */
  retryAttempt: number;
  retryReason?: string;
}

/** An ack frame the client sent: `{envelope_id, payload}`. */
export interface SocketModeAck {
  envelopeId: string;
  connectionId: number;
  /** The response payload (the slash command's answer, a view response), when one was sent. */
  payload?: Record<string, unknown>;
}

/** An envelope the fake sent, each delivery of it and every ack of it. */
export interface SocketModeEnvelope {
  envelopeId: string;
  type: EnvelopeType;
  payload: Record<string, unknown>;
  acceptsResponsePayload: boolean;
  deliveries: EnvelopeDelivery[];
  /** Every ack received for it, in order (more than one means the client acked twice). */
  acks: SocketModeAck[];
  /** True once the fake gave up: still unacked when the connection of its last retry closed. */
  abandoned: boolean;
}

/** One WebSocket connection from the client. */
export interface SocketModeConnection {
  id: number;
  /** The app-level token `apps.connections.open` was called with. */
  appToken: string;
  /** Whether the `hello` frame was sent. */
  hello: boolean;
  /** When `hello` was sent, as a step of the fake's timeline (shared by every connection's events). */
  helloStep?: number;
  /** Reasons of the `disconnect` frames sent on it, in order. */
  disconnects: DisconnectReason[];
  /** Text frames that were neither JSON nor acks (a faithful client sends none). */
  strayFrames: string[];
  /** Set once the connection closed: the close code, which side started it, and its step in the timeline. */
  closed?: { code: number; startedBy: 'client' | 'server'; step: number };
  /** Acks that arrived on it and were thrown away by {@link FakeSocketMode.loseAcksOn}. */
  lostAcks: string[];
}

/** A fake Slack Socket Mode endpoint on 127.0.0.1, speaking the real frames over real WebSockets. */
export interface FakeSocketMode {
  /** `ws://127.0.0.1:PORT`. */
  readonly origin: string;
  /**
   * Issues a single-use connection URL (`/link/?ticket=…&app_id=…`), as `apps.connections.open` returns.
   * Pass it to `FakeSlack.serveSocketMode`.
   */
  openUrl(appToken: string): string;
  /** Snapshots of every connection, oldest first. */
  connections(): SocketModeConnection[];
  /** Snapshots of every envelope, in the order they were first sent. */
  envelopes(): SocketModeEnvelope[];
  /** A snapshot of one envelope. */
  envelope(envelopeId: string): SocketModeEnvelope | undefined;
  /**
   * Sends an envelope on the newest open connection, or queues it until a connection says hello. Returns its id.
   * Like Slack, an envelope not acked when its connection closes is redelivered on the next connection with
   * `retry_attempt`/`retry_reason`, up to 3 times.
   */
  send(type: EnvelopeType, payload: Record<string, unknown>, acceptsResponsePayload: boolean): string;
  /** Sends a `slash_commands` envelope with the fields Slack sends (all strings, as in the HTTP form body). */
  sendSlashCommand(input: SlashCommandInput): string;
  /** Sends an `interactive` envelope with a `block_actions` payload (a button click). */
  sendBlockActions(input: BlockActionInput): string;
  /** Sends a `disconnect` frame on the newest open connection and returns that connection's id. */
  disconnect(reason?: DisconnectReason): number;
  /**
   * Parks every new connection's upgrade until the returned function is called, as a slow Slack edge would: the
   * client has asked for its next connection and does not have it yet.
   */
  holdConnections(): () => void;
  /** Resolves once `count` upgrades are parked by {@link holdConnections}; rejects after `timeoutMs`. */
  waitForParkedUpgrades(count: number, timeoutMs?: number): Promise<void>;
  /** From now on, acks that arrive on connection `id` never reach Slack (lost in the network). */
  loseAcksOn(id: number): void;
  /** Drops connection `id` without a closing handshake, as a crashed Slack edge would. */
  terminate(id: number): void;
  /** Resolves with the first ack of `envelopeId`; rejects after `timeoutMs`. */
  waitForAck(envelopeId: string, timeoutMs?: number): Promise<SocketModeAck>;
  /** Resolves once the `count`-th connection (1-based) has been sent `hello`; rejects after `timeoutMs`. */
  waitForConnection(count: number, timeoutMs?: number): Promise<SocketModeConnection>;
  /** Resolves once connection `id` has closed; rejects after `timeoutMs`. */
  waitForClose(id: number, timeoutMs?: number): Promise<SocketModeConnection>;
  /** Terminates every connection and stops listening. */
  close(): Promise<void>;
}

/** Slack retries an unacknowledged envelope up to 3 times. */
const MAX_RETRIES = 3;
const HOST = 'applink-fake-1';

interface LiveConnection {
  state: SocketModeConnection;
  socket: WebSocket;
  serverClosing: boolean;
}

interface Waiter {
  check: () => boolean;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function textOf(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data instanceof ArrayBuffer ? new Uint8Array(data) : data).toString('utf8');
}

/** Starts a fake Socket Mode endpoint on 127.0.0.1 with an ephemeral port. */
export async function startFakeSocketMode(): Promise<FakeSocketMode> {
  const tickets = new Map<string, { appToken: string; used: boolean }>();
  const live: LiveConnection[] = [];
  const envelopes = new Map<string, SocketModeEnvelope>();
  /** Envelopes waiting for a connection to say hello: first sends while none is open, and redeliveries. */
  const pending: { envelopeId: string; retryAttempt: number; retryReason?: string }[] = [];
  const waiters = new Set<Waiter>();
  let step = 0;
  let holding = false;
  const parked: { upgrade: () => void; socket: Duplex }[] = [];
  const losingAcks = new Set<number>();

  const changed = () => {
    for (const waiter of waiters) waiter.check();
  };

  const openConnection = (): LiveConnection | undefined => {
    for (let i = live.length - 1; i >= 0; i -= 1) {
      const c = live[i];
      if (c?.state.hello && !c.serverClosing && c.socket.readyState === c.socket.OPEN) return c;
    }
    return undefined;
  };

  const deliver = (
    connection: LiveConnection,
    envelope: SocketModeEnvelope,
    retryAttempt: number,
    retryReason?: string,
  ) => {
    const frame: Record<string, unknown> = {
      envelope_id: envelope.envelopeId,
      payload: envelope.payload,
      type: envelope.type,
      accepts_response_payload: envelope.acceptsResponsePayload,
    };
    // Events API envelopes always carry the retry fields; the others only when they are redelivered.
    if (envelope.type === 'events_api' || retryAttempt > 0) {
      frame.retry_attempt = retryAttempt;
      frame.retry_reason = retryReason ?? '';
    }
    const delivery: EnvelopeDelivery = { connectionId: connection.state.id, retryAttempt };
    if (retryReason !== undefined) delivery.retryReason = retryReason;
    envelope.deliveries.push(delivery);
    connection.socket.send(JSON.stringify(frame));
  };

  const flushPending = (connection: LiveConnection) => {
    for (const item of pending.splice(0)) {
      const envelope = envelopes.get(item.envelopeId);
      if (envelope) deliver(connection, envelope, item.retryAttempt, item.retryReason);
    }
  };

  const onClosed = (connection: LiveConnection, code: number) => {
    step += 1;
    connection.state.closed = { code, startedBy: connection.serverClosing ? 'server' : 'client', step };
    // Like Slack: what this connection was given and never acked goes to the next connection.
    for (const envelope of envelopes.values()) {
      const last = envelope.deliveries.at(-1);
      if (!last || last.connectionId !== connection.state.id || envelope.acks.length > 0) continue;
      if (last.retryAttempt >= MAX_RETRIES) {
        envelope.abandoned = true;
        continue;
      }
      pending.push({ envelopeId: envelope.envelopeId, retryAttempt: last.retryAttempt + 1, retryReason: 'timeout' });
    }
    const next = openConnection();
    if (next) flushPending(next);
    changed();
  };

  const onFrame = (connection: LiveConnection, data: RawData, isBinary: boolean) => {
    const text = textOf(data);
    let frame: unknown;
    try {
      frame = isBinary ? undefined : JSON.parse(text);
    } catch {
      frame = undefined;
    }
    const envelopeId = isRecord(frame) && typeof frame.envelope_id === 'string' ? frame.envelope_id : undefined;
    const envelope = envelopeId ? envelopes.get(envelopeId) : undefined;
    if (!isRecord(frame) || !envelopeId || !envelope) {
      connection.state.strayFrames.push(text);
      changed();
      return;
    }
    if (losingAcks.has(connection.state.id)) {
      connection.state.lostAcks.push(envelopeId);
      changed();
      return;
    }
    const ack: SocketModeAck = { envelopeId, connectionId: connection.state.id };
    if (isRecord(frame.payload)) ack.payload = frame.payload;
    envelope.acks.push(ack);
    changed();
  };

  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const server = createServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' }).end('upgrade required');
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const ticket = url.searchParams.get('ticket') ?? '';
    const issued = tickets.get(ticket);
    if (url.pathname !== '/link/' || !issued || issued.used) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    issued.used = true;
    const upgrade = () =>
      wss.handleUpgrade(req, socket, head, (ws) => {
        const connection: LiveConnection = {
          state: {
            id: live.length + 1,
            appToken: issued.appToken,
            hello: false,
            disconnects: [],
            strayFrames: [],
            lostAcks: [],
          },
          socket: ws,
          serverClosing: false,
        };
        live.push(connection);
        ws.on('message', (data, isBinary) => onFrame(connection, data, isBinary));
        ws.on('close', (code) => onClosed(connection, code));
        ws.on('error', () => ws.terminate());
        const open = live.filter((c) => c.socket.readyState === c.socket.OPEN).length;
        ws.send(
          JSON.stringify({
            type: 'hello',
            num_connections: open,
            debug_info: { host: HOST, build_number: 1, approximate_connection_time: 18060 },
            connection_info: { app_id: url.searchParams.get('app_id') ?? FAKE_APP_ID },
          }),
        );
        step += 1;
        connection.state.hello = true;
        connection.state.helloStep = step;
        flushPending(connection);
        changed();
      });
    if (!holding) {
      upgrade();
      return;
    }
    parked.push({ upgrade, socket });
    changed();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('fake Socket Mode did not bind a TCP port');
  const origin = `ws://127.0.0.1:${address.port}`;

  const waitFor = <T>(find: () => T | undefined, timeoutMs: number, description: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const waiter: Waiter = {
        check: () => {
          const found = find();
          if (found === undefined) return false;
          waiters.delete(waiter);
          clearTimeout(timer);
          resolve(found);
          return true;
        },
      };
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`FakeSocketMode: ${description} within ${timeoutMs}ms`));
      }, timeoutMs);
      waiters.add(waiter);
      waiter.check();
    });

  const send: FakeSocketMode['send'] = (type, payload, acceptsResponsePayload) => {
    const envelopeId = randomUUID();
    const envelope: SocketModeEnvelope = {
      envelopeId,
      type,
      payload,
      acceptsResponsePayload,
      deliveries: [],
      acks: [],
      abandoned: false,
    };
    envelopes.set(envelopeId, envelope);
    const connection = openConnection();
    if (connection) deliver(connection, envelope, 0);
    else pending.push({ envelopeId, retryAttempt: 0 });
    return envelopeId;
  };

  let closing: Promise<void> | undefined;
  return {
    origin,
    openUrl(appToken) {
      const ticket = randomUUID();
      tickets.set(ticket, { appToken, used: false });
      return `${origin}/link/?ticket=${ticket}&app_id=${FAKE_APP_ID}`;
    },
    connections: () => live.map((c) => structuredClone(c.state)),
    envelopes: () => [...envelopes.values()].map((e) => structuredClone(e)),
    envelope(envelopeId) {
      const envelope = envelopes.get(envelopeId);
      return envelope ? structuredClone(envelope) : undefined;
    },
    send,
    sendSlashCommand(input) {
      const payload = Object.fromEntries(new URLSearchParams(slashCommandBody(input)));
      return send('slash_commands', payload, true);
    },
    sendBlockActions(input) {
      return send('interactive', blockActionPayload(input), false);
    },
    disconnect(reason = 'refresh_requested') {
      const connection = openConnection();
      if (!connection) throw new Error('FakeSocketMode.disconnect: no open connection');
      connection.state.disconnects.push(reason);
      connection.socket.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: HOST } }));
      return connection.state.id;
    },
    holdConnections() {
      holding = true;
      return () => {
        holding = false;
        for (const p of parked.splice(0)) p.upgrade();
      };
    },
    waitForParkedUpgrades(count, timeoutMs = 5000) {
      return waitFor(
        () => (parked.length >= count ? true : undefined),
        timeoutMs,
        `${count} parked upgrade(s) (${parked.length} so far)`,
      ).then(() => undefined);
    },
    loseAcksOn(id) {
      losingAcks.add(id);
    },
    terminate(id) {
      const connection = live[id - 1];
      if (!connection) throw new Error(`FakeSocketMode.terminate: no connection #${id}`);
      connection.serverClosing = true;
      connection.socket.terminate();
    },
    waitForAck(envelopeId, timeoutMs = 5000) {
      return waitFor(() => envelopes.get(envelopeId)?.acks[0], timeoutMs, `no ack of envelope ${envelopeId}`);
    },
    waitForConnection(count, timeoutMs = 5000) {
      return waitFor(
        () => {
          const c = live[count - 1];
          return c?.state.hello ? structuredClone(c.state) : undefined;
        },
        timeoutMs,
        `connection #${count} did not say hello (${live.length} connections so far)`,
      );
    },
    waitForClose(id, timeoutMs = 5000) {
      return waitFor(
        () => {
          const c = live[id - 1];
          return c?.state.closed ? structuredClone(c.state) : undefined;
        },
        timeoutMs,
        `connection #${id} did not close`,
      );
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const p of parked.splice(0)) p.socket.destroy();
        for (const c of live) {
          c.serverClosing = true;
          c.socket.terminate();
        }
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
