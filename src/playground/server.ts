import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import type { Logger } from '../log.js';
import type { Queryable } from '../store/db.js';
import { handleApi, handleFile, handleRespond, handleUpload } from './api-routes.js';
import { type ChannelHistory, keepChannelHistory } from './channel-history.js';
import { securityHeaders, sendJson, sendText } from './http-reply.js';
import { LiveUpdates } from './live-updates.js';
import { renderPage } from './page.js';
import { BodyTooLarge } from './request-body.js';
import { fromOwnPage, isLoopback } from './request-guard.js';
import { ResponseUrls } from './response-urls.js';
import { loadStaticAssets } from './static-assets.js';
import { handleUi } from './ui-routes.js';
import { createWorkspace, type PlaygroundUser } from './workspace.js';

/** How to start a playground. */
export interface PlaygroundOptions {
  /** TCP port; 0 picks a free one. */
  port: number;
  /** Bind address; 127.0.0.1 unless given. Anything else is reachable from other machines and logs a warning. */
  host?: string;
  /** The signing secret the bot verifies requests with (SLACK_SIGNING_SECRET). */
  signingSecret: string;
  /** The token the bot calls the Web API with (SLACK_BOT_TOKEN); other tokens get `invalid_auth`. */
  botToken: string;
  channel: { id: string; name: string };
  /** The people on the user switcher: a viewer, an operator and two approvers, say. */
  users: PlaygroundUser[];
  /** The bot's `/slack/events` URL, when already known; see {@link Playground.setBotEventsUrl}. */
  botEventsUrl?: string;
  /** Slash commands the bot declares; others get Slack's "not a valid command". All go to the bot when omitted. */
  commands?: string[];
  /** The bot user's display name. */
  botName?: string;
  /**
   * The bot's store (migrated): the channel's messages are kept there and loaded back at start, so a restart
   * shows what was there. Without it the channel lives in memory only.
   */
  history?: Queryable;
  log: Logger;
}

/** A running playground. */
export interface Playground {
  /** The page: `http://127.0.0.1:PORT/`. */
  url: string;
  /** The Web API base for SLACK_API_URL: `http://127.0.0.1:PORT/api/`. */
  apiUrl: string;
  /** Where commands and clicks are sent: the bot's `/slack/events` URL, known once the bot listens. */
  setBotEventsUrl(url: string): void;
  /** Ends live streams and stops listening, then finishes writing the channel's history. */
  close(): Promise<void>;
}

const options = z.object({
  port: z.number().int().min(0).max(65_535),
  host: z.string().min(1).optional(),
  signingSecret: z.string().min(1),
  botToken: z.string().min(1),
  channel: z.object({ id: z.string().regex(/^[CG][A-Z0-9]{2,}$/), name: z.string().regex(/^[a-z0-9_-]{1,80}$/) }),
  users: z
    .array(z.object({ id: z.string().regex(/^[UW][A-Z0-9]{2,}$/), name: z.string().min(1).max(80), role: z.string() }))
    .min(1)
    .refine((users) => new Set(users.map((u) => u.id)).size === users.length, { message: 'user ids must be unique' }),
  botEventsUrl: z.url().optional(),
  commands: z.array(z.string().regex(/^\/[a-z0-9_-]+$/)).optional(),
  botName: z.string().min(1).optional(),
});

/**
 * Starts the local Slack playground: the Web API the bot calls (at `apiUrl`), a Slack-like page for people, and
 * signed commands and clicks sent to the bot exactly as Slack sends them.
 */
export async function startPlayground(opts: PlaygroundOptions): Promise<Playground> {
  const parsed = options.safeParse(opts);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid playground options: ${problems}`);
  }
  const host = opts.host ?? '127.0.0.1';
  const loopback = isLoopback(host);
  const log = opts.log.child({ component: 'playground' });
  const ws = createWorkspace({ ...parsed.data, log });
  // Before the page is served: a page opened now shows what the channel held before the restart.
  const history: ChannelHistory | undefined = opts.history
    ? await keepChannelHistory(opts.history, ws.channel, log)
    : undefined;
  const responseUrls = new ResponseUrls(ws);
  const live = new LiveUpdates(ws);
  const assets = await loadStaticAssets();

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    const api = /^\/api\/([A-Za-z0-9_.]+)$/.exec(path);
    if (api?.[1]) return handleApi(ws, req, res, url, api[1]);
    const upload = /^\/upload\/([A-Z0-9]+)$/.exec(path);
    if (upload?.[1] && req.method === 'POST') return handleUpload(ws, req, res, url, upload[1]);
    const respond = /^\/respond\/([a-f0-9]+)$/.exec(path);
    if (respond?.[1] && req.method === 'POST') return handleRespond(responseUrls, req, res, url, respond[1]);
    // Everything below is the page: only it may use it (see fromOwnPage).
    if (!fromOwnPage(req, loopback)) return sendText(res, 403, 'forbidden');
    if (path.startsWith('/ui/')) return handleUi({ ws, responseUrls, live }, req, res, url);
    const file = /^\/files\/([A-Z0-9]+)(?:\/[^/]*)?$/.exec(path);
    if (file?.[1] && req.method === 'GET') return handleFile(ws, res, file[1]);
    const asset = assets.get(path);
    if (asset && req.method === 'GET') return sendText(res, 200, asset.body, asset.contentType, securityHeaders);
    if (path === '/' && req.method === 'GET') {
      return sendText(res, 200, renderPage(ws), 'text/html; charset=utf-8', {
        ...securityHeaders,
        'cache-control': 'no-store',
      });
    }
    sendText(res, 404, 'not found');
  }

  const server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (err instanceof BodyTooLarge) return sendJson(res, 413, { ok: false, error: 'request_too_large' });
      log.error({ err, path: req.url }, 'playground request failed');
      sendJson(res, 500, { ok: false, error: 'internal_error' });
    });
  });
  // Idle keep-alive sockets would otherwise hold close() until they time out.
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address: AddressInfo | string | null = server.address();
  if (address === null || typeof address === 'string') throw new Error('the playground did not bind a TCP port');
  const { port } = address;
  ws.origin = `http://127.0.0.1:${port}`;
  if (!loopback) {
    log.warn(
      { host, port },
      "the playground is listening beyond this machine: anyone who can reach it can act as any playground user and run the bot's commands",
    );
  }
  let closing: Promise<void> | undefined;
  return {
    url: `${ws.origin}/`,
    apiUrl: `${ws.origin}/api/`,
    setBotEventsUrl(url) {
      ws.botEventsUrl = z.url().parse(url);
    },
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        live.close();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }).finally(() => history?.close());
      return closing;
    },
  };
}
