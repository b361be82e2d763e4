import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { sendJson } from './http-reply.js';
import { clickButton, type InteractionResult, postUserMessage, runSlashCommand } from './interactions.js';
import type { LiveUpdates } from './live-updates.js';
import { closeModal, type SubmitResult, submitModal } from './modal-submit.js';
import { readBody } from './request-body.js';
import type { ResponseUrls } from './response-urls.js';
import type { PlaygroundUser, Workspace } from './workspace.js';

const userId = z.string().min(1);

/** What the composer sends: a slash command or a message, maybe in a thread. */
const composed = z.object({ user: userId, text: z.string().min(1).max(40_000), threadTs: z.string().optional() });

/** What a modal sends: its fields' text by block_id and action_id, or just its id when closed. */
const submission = z.object({
  user: userId,
  viewId: z.string().min(1),
  values: z.record(z.string(), z.record(z.string(), z.string().max(10_000))).default({}),
});

/** What a button click sends; the server finds the button in the stored message. */
const click = z.object({ user: userId, messageTs: z.string().min(1), blockId: z.string(), actionId: z.string() });

/** What the page's own endpoints need. */
export interface UiDeps {
  ws: Workspace;
  responseUrls: ResponseUrls;
  live: LiveUpdates;
}

function userOf(ws: Workspace, id: string): PlaygroundUser | undefined {
  return ws.users.find((u) => u.id === id);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  // Requiring JSON means a cross-site form can't post here without a CORS preflight, which we never grant.
  if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return undefined;
  const raw = await readBody(req, 1024 * 1024);
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Serves the page's endpoints under /ui/: the live event stream, messages and commands, clicks, and modals. */
export async function handleUi(deps: UiDeps, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const { ws } = deps;
  if (req.method === 'GET' && url.pathname === '/ui/events') {
    const user = userOf(ws, url.searchParams.get('user') ?? '');
    if (!user) return sendJson(res, 400, { ok: false, error: 'user_not_found' });
    deps.live.subscribe(req, res, user.id);
    return;
  }
  if (req.method !== 'POST') return sendJson(res, 405, { ok: false, error: 'method_not_allowed' });
  const body = await readJson(req);
  let result: InteractionResult | SubmitResult;
  if (url.pathname === '/ui/command' || url.pathname === '/ui/message') {
    const input = composed.safeParse(body);
    const user = input.success ? userOf(ws, input.data.user) : undefined;
    if (!input.success || !user) return sendJson(res, 400, { ok: false, error: 'invalid_request' });
    result =
      url.pathname === '/ui/command'
        ? await runSlashCommand(ws, deps.responseUrls, user, input.data.text, input.data.threadTs)
        : postUserMessage(ws, user, input.data.text, input.data.threadTs);
  } else if (url.pathname === '/ui/action') {
    const input = click.safeParse(body);
    const user = input.success ? userOf(ws, input.data.user) : undefined;
    if (!input.success || !user) return sendJson(res, 400, { ok: false, error: 'invalid_request' });
    result = await clickButton(ws, deps.responseUrls, user, input.data);
  } else if (url.pathname === '/ui/view-submit' || url.pathname === '/ui/view-close') {
    const input = submission.safeParse(body);
    const user = input.success ? userOf(ws, input.data.user) : undefined;
    if (!input.success || !user) return sendJson(res, 400, { ok: false, error: 'invalid_request' });
    result =
      url.pathname === '/ui/view-submit'
        ? await submitModal(ws, user, input.data.viewId, input.data.values)
        : await closeModal(ws, user, input.data.viewId);
  } else {
    return sendJson(res, 404, { ok: false, error: 'not_found' });
  }
  sendJson(res, result.ok ? 200 : 400, result);
}
