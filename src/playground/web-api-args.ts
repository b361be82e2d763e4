import { z } from 'zod';
import { jsonValue } from './channel.js';

// WebClient sends every argument as a form field: numbers and booleans as strings, objects (blocks, files) as JSON
// strings that the request decoder has already parsed. These schemas accept both spellings, as Slack does.

const nonEmpty = z.string().min(1);

/** Slack refuses more than 50 blocks in one message. */
const blocks = z.array(z.record(z.string(), jsonValue)).max(50);

const content = {
  text: z.string().max(40_000).optional(),
  blocks: blocks.optional(),
};

/** chat.postMessage arguments we honour. */
export const postMessageArgs = z.object({
  channel: nonEmpty,
  ...content,
  thread_ts: z.string().optional(),
});

/** chat.update arguments. */
export const updateArgs = z.object({ channel: nonEmpty, ts: nonEmpty, ...content });

/** chat.postEphemeral arguments. */
export const postEphemeralArgs = z.object({
  channel: nonEmpty,
  user: nonEmpty,
  ...content,
  thread_ts: z.string().optional(),
});

/** chat.delete arguments. */
export const deleteArgs = z.object({ channel: nonEmpty, ts: nonEmpty });

/** usergroups.users.list arguments. */
export const usergroupUsersArgs = z.object({ usergroup: nonEmpty });

/** users.info arguments. */
export const usersInfoArgs = z.object({ user: nonEmpty });

/** conversations.info arguments. */
export const conversationsInfoArgs = z.object({ channel: nonEmpty });

/** files.getUploadURLExternal arguments. */
export const getUploadUrlArgs = z.object({
  filename: nonEmpty,
  length: z.coerce
    .number()
    .int()
    .min(0)
    .max(1024 * 1024 * 1024),
  alt_text: z.string().optional(),
});

/** files.completeUploadExternal arguments. */
export const completeUploadArgs = z.object({
  files: z.array(z.object({ id: nonEmpty, title: z.string().optional() })).min(1),
  channel_id: z.string().optional(),
  channels: z.string().optional(),
  thread_ts: z.string().optional(),
  initial_comment: z.string().optional(),
});

/** Slack's error code for arguments that didn't parse, named after the first bad field as Slack names them. */
export function argumentError(error: z.ZodError): string {
  const field = error.issues[0]?.path[0];
  switch (field) {
    case 'channel':
      return 'channel_not_found';
    case 'ts':
      return 'message_not_found';
    case 'user':
      return 'user_not_found';
    case 'usergroup':
      return 'no_such_subteam';
    case 'blocks':
      return 'invalid_blocks';
    case 'text':
      return 'msg_too_long';
    default:
      return 'invalid_arguments';
  }
}
