import type { IncomingMessage, ServerResponse } from 'node:http';
import { isInlineImage } from './file-store.js';
import { securityHeaders, sendJson, sendText } from './http-reply.js';
import { decodeRequest, tokenOf } from './request-body.js';
import type { ResponseUrls } from './response-urls.js';
import { callWebApi, grantedScopes } from './web-api.js';
import type { Workspace } from './workspace.js';

/** Uploads up to this size are accepted (Slack allows 1 GB; the playground keeps files in memory). */
const maxUploadBytes = 50 * 1024 * 1024;
const maxCallBytes = 2 * 1024 * 1024;

/** Serves `/api/<method>`: the Web API the bot is pointed at with SLACK_API_URL. */
export async function handleApi(
  ws: Workspace,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  method: string,
): Promise<void> {
  const decoded = await decodeRequest(req, url, maxCallBytes);
  const reply = decoded.invalidJson
    ? { ok: false, error: 'invalid_json' }
    : callWebApi(ws, method, decoded.fields, tokenOf(req, decoded.fields));
  if (!reply.ok) ws.log.debug({ method, error: reply.error }, 'playground web api call refused');
  sendJson(res, 200, reply, { 'x-oauth-scopes': grantedScopes, 'x-accepted-oauth-scopes': '' });
}

/** Serves an upload URL from files.getUploadURLExternal: the bytes arrive raw or as a multipart file part. */
export async function handleUpload(
  ws: Workspace,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  fileId: string,
): Promise<void> {
  const decoded = await decodeRequest(req, url, maxUploadBytes);
  const stored = ws.files.receive(fileId, decoded.file ?? decoded.raw);
  if (!stored) return sendText(res, 404, 'file not found');
  sendText(res, 200, `OK - ${(decoded.file ?? decoded.raw).length}`);
}

/** Serves `/respond/<id>`: a response_url handed to the bot with a command or a click. */
export async function handleRespond(
  responseUrls: ResponseUrls,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  id: string,
): Promise<void> {
  const decoded = await decodeRequest(req, url, maxCallBytes);
  let body: unknown = decoded.fields;
  if (Object.keys(decoded.fields).length === 0 && decoded.raw.length > 0) {
    // Apps post JSON; accept it even when the content type is missing.
    try {
      body = JSON.parse(decoded.raw.toString('utf8'));
    } catch {
      body = undefined;
    }
  }
  const answer = responseUrls.respond(id, body);
  sendJson(res, answer.status, answer.body);
}

/** Serves an uploaded file: raster images inline, anything else (SVG included) only as a download. */
export function handleFile(ws: Workspace, res: ServerResponse, fileId: string): void {
  const file = ws.files.get(fileId);
  if (!file) {
    sendText(res, 404, 'file not found');
    return;
  }
  const inline = isInlineImage(file);
  sendText(res, 200, file.bytes, inline ? file.mimetype : 'application/octet-stream', {
    ...securityHeaders,
    'content-security-policy': 'sandbox',
    'content-disposition': `${inline ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(file.name)}`,
  });
}
