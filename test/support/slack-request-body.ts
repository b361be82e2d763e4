import type { IncomingMessage } from 'node:http';
import { readRequestBody } from './local-http-server.js';

/** Fields that Slack clients send as JSON-encoded strings inside form bodies and that the fake decodes. */
export const SLACK_JSON_STRING_FIELDS: readonly string[] = ['blocks', 'attachments', 'files', 'metadata', 'view'];

/** A Slack request body decoded into fields, plus any binary parts of a multipart body. */
export interface DecodedSlackBody {
  /** Decoded fields; JSON-string fields listed in {@link SLACK_JSON_STRING_FIELDS} are parsed into values. */
  fields: Record<string, unknown>;
  /** Binary (file) parts of a multipart body, by field name. */
  files: Map<string, { filename: string; bytes: Buffer }>;
  /** The raw request bytes. */
  raw: Buffer;
}

/** Reads and decodes a Slack Web API request body (form-urlencoded, JSON or multipart), merging query parameters. */
export async function decodeSlackRequest(req: IncomingMessage, url: URL): Promise<DecodedSlackBody> {
  const raw = await readRequestBody(req);
  const contentType = (req.headers['content-type'] ?? '').toLowerCase();
  const fields: Record<string, unknown> = {};
  const files = new Map<string, { filename: string; bytes: Buffer }>();
  for (const [key, value] of url.searchParams) fields[key] = value;

  if (contentType.startsWith('application/json')) {
    const parsed: unknown = raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) Object.assign(fields, parsed);
  } else if (contentType.startsWith('multipart/form-data')) {
    const form = await new Request('http://127.0.0.1/', {
      method: 'POST',
      headers: { 'content-type': req.headers['content-type'] ?? '' },
      body: raw,
    }).formData();
    for (const [key, value] of form.entries()) {
      if (typeof value === 'string') {
        fields[key] = value;
      } else {
        files.set(key, { filename: value.name, bytes: Buffer.from(await value.arrayBuffer()) });
      }
    }
  } else if (raw.length > 0) {
    for (const [key, value] of new URLSearchParams(raw.toString('utf8'))) fields[key] = value;
  }

  for (const key of SLACK_JSON_STRING_FIELDS) {
    const value = fields[key];
    if (typeof value === 'string' && /^\s*[[{]/.test(value)) {
      try {
        fields[key] = JSON.parse(value);
      } catch {
        // Leave malformed JSON as the string Slack would have rejected; tests can assert on it.
      }
    }
  }
  return { fields, files, raw };
}

/** Extracts the bearer token from an Authorization header, falling back to a `token` body field. */
export function slackTokenOf(req: IncomingMessage, fields: Record<string, unknown>): string | undefined {
  const header = req.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length);
  const token = fields.token;
  return typeof token === 'string' && token !== '' ? token : undefined;
}
