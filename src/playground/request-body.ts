import type { IncomingMessage } from 'node:http';

/** Thrown when a request body is larger than the playground accepts. */
export class BodyTooLarge extends Error {}

/** Reads a request body, refusing more than `limit` bytes. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk);
    size += buf.length;
    if (size > limit) throw new BodyTooLarge(`request body over ${limit} bytes`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

/** Fields WebClient sends as JSON strings inside a form body. */
const jsonStringFields = ['blocks', 'attachments', 'files', 'metadata', 'view'];

/** A decoded Web API request: its fields, and the first binary part of a multipart body. */
export interface DecodedRequest {
  fields: Record<string, unknown>;
  /** A JSON body that did not parse (Slack answers `invalid_json`). */
  invalidJson: boolean;
  file?: Buffer;
  raw: Buffer;
}

/**
 * Decodes a Web API request the way Slack accepts them: form-urlencoded (WebClient's default), JSON, or multipart,
 * plus query parameters. JSON-string fields such as `blocks` are parsed; one that is not valid JSON stays a string,
 * so the method's schema rejects it as Slack would (`invalid_blocks`).
 */
export async function decodeRequest(req: IncomingMessage, url: URL, limit: number): Promise<DecodedRequest> {
  const raw = await readBody(req, limit);
  const contentType = (req.headers['content-type'] ?? '').toLowerCase();
  const fields: Record<string, unknown> = Object.fromEntries(url.searchParams);
  let file: Buffer | undefined;
  let invalidJson = false;
  if (contentType.startsWith('application/json')) {
    let parsed: unknown = {};
    try {
      if (raw.length > 0) parsed = JSON.parse(raw.toString('utf8'));
    } catch {
      invalidJson = true;
    }
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) Object.assign(fields, parsed);
    else invalidJson = true;
  } else if (contentType.startsWith('multipart/form-data')) {
    const form = await new Request('http://127.0.0.1/', {
      method: 'POST',
      headers: { 'content-type': req.headers['content-type'] ?? '' },
      body: raw,
    }).formData();
    for (const [key, value] of form.entries()) {
      if (typeof value === 'string') fields[key] = value;
      else file ??= Buffer.from(await value.arrayBuffer());
    }
  } else if (contentType.startsWith('application/x-www-form-urlencoded')) {
    Object.assign(fields, Object.fromEntries(new URLSearchParams(raw.toString('utf8'))));
  }
  for (const key of jsonStringFields) {
    const value = fields[key];
    if (typeof value !== 'string') continue;
    try {
      fields[key] = JSON.parse(value);
    } catch {
      // Left as a string: the method's schema answers with Slack's error for it.
    }
  }
  return { fields, file, raw, invalidJson };
}

/** The bearer token of a Web API call (Authorization header, or the legacy `token` field). */
export function tokenOf(req: IncomingMessage, fields: Record<string, unknown>): string | undefined {
  const header = req.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length);
  return typeof fields.token === 'string' && fields.token !== '' ? fields.token : undefined;
}
