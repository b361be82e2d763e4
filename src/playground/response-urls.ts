import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { withGeneratedIds } from './block-ids.js';
import { jsonValue } from './channel.js';
import type { Workspace } from './workspace.js';

/** Slack accepts at most 5 posts to one response_url, within 30 minutes. */
const maxUses = 5;
const lifetimeMs = 30 * 60 * 1000;

/** What a response_url answers for: the user who acted, and the message they acted on (if any). */
export interface ResponseTarget {
  userId: string;
  /** The message that replace_original and delete_original refer to. */
  originalTs?: string;
  /** The thread an ephemeral response appears in. */
  threadTs?: string;
  uses: number;
  expiresAt: number;
}

const flag = z
  .union([z.boolean(), z.enum(['true', 'false'])])
  .transform((v) => v === true || v === 'true')
  .optional();

/** A body posted to a response_url (JSON, as apps send it). */
export const responseBody = z.object({
  text: z.string().optional(),
  blocks: z.array(z.record(z.string(), jsonValue)).max(50).optional(),
  response_type: z.enum(['ephemeral', 'in_channel']).optional(),
  replace_original: flag,
  delete_original: flag,
  thread_ts: z.string().optional(),
});

/** The HTTP answer to a response_url post. */
export interface ResponseAnswer {
  status: number;
  body: { ok: boolean; error?: string };
}

/** The response_urls handed to the bot, with Slack's use limits, and what posting to one does to the channel. */
export class ResponseUrls {
  private readonly targets = new Map<string, ResponseTarget>();

  constructor(private readonly ws: Workspace) {}

  /** Mints a response_url on the playground for one command or click. */
  create(target: Omit<ResponseTarget, 'uses' | 'expiresAt'>): { id: string; url: string; target: ResponseTarget } {
    const now = Date.now();
    for (const [id, t] of this.targets) if (t.expiresAt < now) this.targets.delete(id);
    const id = randomBytes(12).toString('hex');
    const full: ResponseTarget = { ...target, uses: 0, expiresAt: now + lifetimeMs };
    this.targets.set(id, full);
    return { id, url: `${this.ws.origin}/respond/${id}`, target: full };
  }

  /** Applies a post to `/respond/<id>`: a new ephemeral or channel message, or a replace or delete of the original. */
  respond(id: string, raw: unknown): ResponseAnswer {
    const target = this.targets.get(id);
    if (!target || target.expiresAt < Date.now()) return { status: 404, body: { ok: false, error: 'expired_url' } };
    if (target.uses >= maxUses) return { status: 404, body: { ok: false, error: 'used_url' } };
    const parsed = responseBody.safeParse(raw);
    if (!parsed.success) return { status: 400, body: { ok: false, error: 'invalid_blocks' } };
    target.uses += 1;
    const body = parsed.data;
    const channel = this.ws.channel;
    const blocks = body.blocks === undefined ? undefined : withGeneratedIds(body.blocks);
    const original = target.originalTs === undefined ? undefined : channel.get(target.originalTs);

    if (body.delete_original) {
      if (!original) return { status: 404, body: { ok: false, error: 'message_not_found' } };
      channel.remove(original.ts);
      return { status: 200, body: { ok: true } };
    }
    const hasContent = (body.text !== undefined && body.text !== '') || (blocks !== undefined && blocks.length > 0);
    if (!hasContent) return { status: 400, body: { ok: false, error: 'no_text' } };
    if (body.replace_original && original) {
      // Unlike chat.update, a replacement is the whole message: blocks left out are gone.
      channel.update(original.ts, { text: body.text ?? '', blocks: blocks ?? [] });
      return { status: 200, body: { ok: true } };
    }
    const inChannel = body.response_type === 'in_channel';
    const message = channel.post({
      user: this.ws.bot.userId,
      botId: this.ws.bot.botId,
      text: body.text ?? '',
      blocks,
      threadTs: body.thread_ts ?? (inChannel ? undefined : target.threadTs),
      ephemeralTo: inChannel ? undefined : target.userId,
    });
    // A command's first response becomes the message a later replace_original refers to.
    target.originalTs ??= message.ts;
    return { status: 200, body: { ok: true } };
  }
}
