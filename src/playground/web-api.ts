import type { z } from 'zod';
import { withGeneratedIds } from './block-ids.js';
import type { Json } from './channel.js';
import { authTestResult, channelObject, messageObject, userObject } from './slack-objects.js';
import { callViewsApi } from './views-api.js';
import {
  argumentError,
  completeUploadArgs,
  conversationsInfoArgs,
  deleteArgs,
  getUploadUrlArgs,
  postEphemeralArgs,
  postMessageArgs,
  updateArgs,
  usergroupUsersArgs,
  usersInfoArgs,
} from './web-api-args.js';
import type { Workspace } from './workspace.js';

/** A Web API answer: Slack always answers 200 with `ok`, plus the fields of the method. */
export type WebApiReply = { ok: true; [field: string]: Json } | { ok: false; error: string };

/** The scopes manifest.yml asks for; Slack reports them in `x-oauth-scopes` on every call. */
export const grantedScopes = 'commands,chat:write,usergroups:read,files:write';

const fail = (error: string): WebApiReply => ({ ok: false, error });

function parse<S extends z.ZodType>(schema: S, fields: Record<string, unknown>): z.infer<S> | WebApiReply {
  const parsed = schema.safeParse(fields);
  return parsed.success ? parsed.data : fail(argumentError(parsed.error));
}

function isReply(value: unknown): value is WebApiReply {
  return typeof value === 'object' && value !== null && 'ok' in value && value.ok === false;
}

/** Our one channel, addressed by id or by name (`#ops` or `ops`), as Slack allows for chat.postMessage. */
function ourChannel(ws: Workspace, channel: string): boolean {
  return channel === ws.channel.id || channel.replace(/^#/, '') === ws.channel.name;
}

function hasContent(args: { text?: string; blocks?: unknown[] }): boolean {
  return (args.text !== undefined && args.text !== '') || (args.blocks !== undefined && args.blocks.length > 0);
}

/**
 * Serves one Web API method against the playground's channel, with Slack's answers and error codes. Only the
 * methods the bot calls are here; others answer `unknown_method`, as Slack does for a name it doesn't know.
 */
export function callWebApi(
  ws: Workspace,
  method: string,
  fields: Record<string, unknown>,
  token: string | undefined,
): WebApiReply {
  if (token === undefined) return fail('not_authed');
  if (token !== ws.botToken) return fail('invalid_auth');
  const channel = ws.channel;
  switch (method) {
    case 'auth.test':
      return { ok: true, ...authTestResult(ws) };
    case 'chat.postMessage': {
      const args = parse(postMessageArgs, fields);
      if (isReply(args)) return args;
      if (!ourChannel(ws, args.channel)) return fail('channel_not_found');
      if (!hasContent(args)) return fail('no_text');
      const message = channel.post({
        user: ws.bot.userId,
        botId: ws.bot.botId,
        text: args.text ?? '',
        blocks: args.blocks === undefined ? undefined : withGeneratedIds(args.blocks),
        threadTs: args.thread_ts,
      });
      return { ok: true, channel: channel.id, ts: message.ts, message: messageObject(ws, message) };
    }
    case 'chat.update': {
      const args = parse(updateArgs, fields);
      if (isReply(args)) return args;
      if (!ourChannel(ws, args.channel)) return fail('channel_not_found');
      const existing = channel.get(args.ts);
      if (!existing || existing.ephemeralTo !== undefined) return fail('message_not_found');
      if (existing.user !== ws.bot.userId) return fail('cant_update_message');
      if (!hasContent(args)) return fail('no_text');
      const blocks = args.blocks === undefined ? undefined : withGeneratedIds(args.blocks);
      const message = channel.update(args.ts, { text: args.text, blocks });
      if (!message) return fail('message_not_found');
      return { ok: true, channel: channel.id, ts: message.ts, text: message.text, message: messageObject(ws, message) };
    }
    case 'chat.postEphemeral': {
      const args = parse(postEphemeralArgs, fields);
      if (isReply(args)) return args;
      if (!ourChannel(ws, args.channel)) return fail('channel_not_found');
      if (!ws.users.some((u) => u.id === args.user)) return fail('user_not_in_channel');
      if (!hasContent(args)) return fail('no_text');
      const message = channel.post({
        user: ws.bot.userId,
        botId: ws.bot.botId,
        text: args.text ?? '',
        blocks: args.blocks === undefined ? undefined : withGeneratedIds(args.blocks),
        threadTs: args.thread_ts,
        ephemeralTo: args.user,
      });
      return { ok: true, message_ts: message.ts };
    }
    case 'chat.delete': {
      const args = parse(deleteArgs, fields);
      if (isReply(args)) return args;
      if (!ourChannel(ws, args.channel)) return fail('channel_not_found');
      const existing = channel.get(args.ts);
      if (!existing || existing.ephemeralTo !== undefined) return fail('message_not_found');
      if (existing.user !== ws.bot.userId) return fail('cant_delete_message');
      channel.remove(args.ts);
      return { ok: true, channel: channel.id, ts: args.ts };
    }
    case 'usergroups.users.list': {
      const args = parse(usergroupUsersArgs, fields);
      if (isReply(args)) return args;
      // The playground has no user groups: roles name its users directly.
      return fail('no_such_subteam');
    }
    case 'users.info': {
      const args = parse(usersInfoArgs, fields);
      if (isReply(args)) return args;
      const user = ws.users.find((u) => u.id === args.user);
      return user ? { ok: true, user: userObject(ws, user) } : fail('user_not_found');
    }
    case 'conversations.info': {
      const args = parse(conversationsInfoArgs, fields);
      if (isReply(args)) return args;
      return args.channel === channel.id ? { ok: true, channel: channelObject(ws) } : fail('channel_not_found');
    }
    case 'files.getUploadURLExternal': {
      const args = parse(getUploadUrlArgs, fields);
      if (isReply(args)) return args;
      const fileId = ws.files.reserve(args.filename, args.length, args.alt_text);
      return { ok: true, upload_url: `${ws.origin}/upload/${fileId}`, file_id: fileId };
    }
    case 'files.completeUploadExternal':
      return completeUpload(ws, fields);
    case 'views.open':
    case 'views.update':
      return callViewsApi(ws, method, fields);
    default:
      return fail('unknown_method');
  }
}

function completeUpload(ws: Workspace, fields: Record<string, unknown>): WebApiReply {
  const args = parse(completeUploadArgs, fields);
  if (isReply(args)) return args;
  const target = args.channel_id ?? args.channels?.split(',')[0];
  if (target !== undefined && !ourChannel(ws, target)) return fail('channel_not_found');
  const completed = [];
  for (const entry of args.files) {
    const file = ws.files.complete(entry.id, entry.title);
    if (!file) return fail('file_not_found');
    completed.push(file);
  }
  if (target !== undefined) {
    // Sharing to a channel posts one message from the bot carrying the files, with the comment as its text.
    ws.channel.post({
      user: ws.bot.userId,
      botId: ws.bot.botId,
      text: args.initial_comment ?? '',
      threadTs: args.thread_ts,
      fileIds: completed.map((f) => f.id),
    });
  }
  return { ok: true, files: completed.map((f) => ({ id: f.id, title: f.title })) };
}
