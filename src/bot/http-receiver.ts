import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ParsedUrlQuery, parse as parseQuery } from 'node:querystring';
import { type App, AuthorizationError, type Receiver, type ReceiverEvent, ReceiverMultipleAckError } from '@slack/bolt';
import type { Logger } from '../log.js';
import { pathOf, serveRoute } from './route-server.js';
import { SlackSignatureVerifier } from './slack-signature.js';

/** Where Slack posts slash commands, interactions and events. */
export const slackEventsPath = '/slack/events';
/** The largest request body taken (Bolt's receiver takes the same); Slack's own payloads are far smaller. */
export const slackBodyLimit = 4 * 1024 * 1024;

/** An HTTP route served beside /slack/events (probes, metrics, the Alertmanager webhook). */
export interface ExtraRoute {
  path: string;
  method: 'GET' | 'POST';
  handler: (req: IncomingMessage, res: ServerResponse) => void;
}

/** Options of {@link SlackHttpReceiver}. */
export interface SlackHttpReceiverOptions {
  signingSecret: string;
  log: Logger;
  routes: ExtraRoute[];
  port: number;
  /** Undefined: every interface, as a container needs. */
  host?: string;
}

/** A request body, or why none was read. */
type BodyRead = { ok: true; raw: Buffer } | { ok: false; status: 400 | 413; why: string };

/** Reads a request body of at most `limit` bytes; a larger one is refused as soon as it shows. */
function readBody(req: IncomingMessage, limit: number): Promise<BodyRead> {
  if (Number(req.headers['content-length']) > limit) {
    return Promise.resolve({ ok: false, status: 413, why: `its declared length is over ${limit} bytes` });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.resume();
        resolve({ ok: false, status: 413, why: `it is over ${limit} bytes` });
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () =>
      resolve({ ok: true, raw: chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks) }),
    );
    req.on('error', (err) => resolve({ ok: false, status: 400, why: `it could not be read (${err.message})` }));
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The body as Bolt expects it: a form's fields, or the JSON of its `payload` field (interactions); or the JSON object
 * of a JSON body (events). Throws on malformed JSON or a JSON body that is not an object.
 */
function parseBody(text: string, form: ParsedUrlQuery | undefined): Record<string, unknown> {
  if (form) {
    if (typeof form.payload !== 'string') return { ...form };
    const payload: unknown = JSON.parse(form.payload);
    if (!isRecord(payload)) throw new Error('its payload is not a JSON object');
    return payload;
  }
  const parsed: unknown = JSON.parse(text);
  if (!isRecord(parsed)) throw new Error('it is not a JSON object');
  return parsed;
}

/** Writes an ack's response the way Bolt's receivers do: nothing, text, or JSON. */
function writeAck(res: ServerResponse, response: unknown): void {
  if (response === undefined || response === null || response === '') res.writeHead(200).end();
  else if (typeof response === 'string') res.writeHead(200).end(response);
  else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(response));
}

function headerNumber(value: string | string[] | undefined): number | undefined {
  return typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : undefined;
}

/**
 * The bot's HTTP receiver for Bolt: serves /slack/events (Slack's signature checked with a key made once; SSL checks
 * and URL verification answered; each request read and parsed once) and the extra routes on one server, and hands
 * every verified request to Bolt's `processEvent`, so listeners, middleware and acks work exactly as with Bolt's own
 * receiver. Bolt's HTTPReceiver spent about a third of the ack path's CPU before a listener ran: a fresh HMAC key and
 * three HMACs a request, the form parsed twice, a URL object and a 3 s timer per request.
 */
export class SlackHttpReceiver implements Receiver {
  private app: App | undefined;
  private server: Server | undefined;
  private readonly verifier: SlackSignatureVerifier;

  constructor(private readonly options: SlackHttpReceiverOptions) {
    this.verifier = new SlackSignatureVerifier(options.signingSecret);
  }

  init(app: App): void {
    this.app = app;
  }

  /** Listens; resolves with the server once it does. */
  start(): Promise<Server> {
    const server = createServer((req, res) => this.route(req, res));
    // A client that trickles its headers or body is cut off; Slack sends a whole request at once.
    server.headersTimeout = 10_000;
    server.requestTimeout = 15_000;
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        resolve(server);
      });
    });
  }

  /** The port it listens on (the real one when 0 was asked for). */
  port(): number {
    const address = this.server?.address();
    if (!address || typeof address === 'string') throw new Error('the Slack HTTP receiver is not listening');
    return (address satisfies AddressInfo).port;
  }

  stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return Promise.resolve();
    return new Promise((resolve, reject) => {
      server.close((err) => (err ? reject(err) : resolve()));
      server.closeIdleConnections();
    });
  }

  private route(req: IncomingMessage, res: ServerResponse): void {
    if (pathOf(req) !== slackEventsPath) serveRoute(this.options.routes, req, res);
    else if (req.method === 'POST') void this.slackRequest(req, res);
    else res.writeHead(405, { allow: 'POST' }).end();
  }

  private refuse(res: ServerResponse, status: 400 | 401 | 413, why: string): void {
    this.options.log.warn({ status, why }, `refused a request to ${slackEventsPath}: ${why}`);
    res.writeHead(status, status === 413 ? { connection: 'close' } : {}).end();
  }

  private async slackRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const read = await readBody(req, slackBodyLimit);
    if (!read.ok) return this.refuse(res, read.status, `the body was not read: ${read.why}`);
    const text = read.raw.toString('utf8');
    const mediaType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    const form = mediaType === 'application/x-www-form-urlencoded' ? parseQuery(text) : undefined;
    // Slack's SSL check is unsigned and asks for a 200 only; nothing in it reaches the app.
    if (form?.ssl_check === '1') {
      res.writeHead(200).end();
      return;
    }
    const refusal = this.verifier.refusal(
      { signature: req.headers['x-slack-signature'], timestamp: req.headers['x-slack-request-timestamp'] },
      read.raw,
    );
    if (refusal) return this.refuse(res, 401, `not signed by Slack (${refusal})`);
    let body: Record<string, unknown>;
    try {
      body = parseBody(text, form);
    } catch (err) {
      return this.refuse(res, 400, `the body is malformed: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (body.type === 'url_verification') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ challenge: body.challenge }));
      return;
    }
    await this.dispatch(body, req, res);
  }

  /** Hands a verified request to Bolt; answers 404 when no listener acked it, 500 (401 for authorization) on a throw. */
  private async dispatch(body: Record<string, unknown>, req: IncomingMessage, res: ServerResponse): Promise<void> {
    let acked = false;
    const event: ReceiverEvent = {
      body,
      ack: async (response?: unknown) => {
        if (acked) throw new ReceiverMultipleAckError();
        acked = true;
        writeAck(res, response);
      },
      retryNum: headerNumber(req.headers['x-slack-retry-num']),
      retryReason:
        typeof req.headers['x-slack-retry-reason'] === 'string' ? req.headers['x-slack-retry-reason'] : undefined,
    };
    const app = this.app;
    if (!app) throw new Error('the Slack HTTP receiver was started before Bolt initialised it');
    try {
      await app.processEvent(event);
      if (!acked) {
        acked = true;
        this.options.log.warn({ type: body.type }, 'no listener acknowledged a Slack request; answered 404');
        res.writeHead(404).end();
      }
    } catch (err) {
      if (acked) {
        this.options.log.error({ err }, 'a Slack listener failed after acknowledging its request');
        return;
      }
      acked = true;
      if (err instanceof AuthorizationError) {
        res.writeHead(401).end();
        return;
      }
      this.options.log.error({ err }, 'a Slack request failed before it was acknowledged; answered 500');
      res.writeHead(500).end();
    }
  }
}
