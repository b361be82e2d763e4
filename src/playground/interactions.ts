import { z } from 'zod';
import { withGeneratedIds } from './block-ids.js';
import { findButton } from './block-kit.js';
import { type BotAnswer, deliverToBot } from './bot-delivery.js';
import { Channel, jsonValue } from './channel.js';
import { blockActionsPayload, interactionBody, slashCommandBody } from './interaction-payloads.js';
import type { ResponseUrls } from './response-urls.js';
import { messageObject } from './slack-objects.js';
import { type PlaygroundUser, slackbotId, type Workspace } from './workspace.js';

/** What the page is told about an action it asked for. */
export type InteractionResult = { ok: true } | { ok: false; error: string };

/** A command's ack body as Slack reads it. */
const ackBody = z.object({
  text: z.string().optional(),
  blocks: z.array(z.record(z.string(), jsonValue)).max(50).optional(),
  response_type: z.enum(['ephemeral', 'in_channel']).optional(),
});

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A notice from Slackbot that only `userId` sees, as Slack shows command and app errors. */
function slackbotNotice(ws: Workspace, userId: string, text: string, threadTs?: string): void {
  ws.channel.post({ user: slackbotId, text, ephemeralTo: userId, threadTs });
}

function failureNotice(ws: Workspace, answer: Extract<BotAnswer, { kind: 'failed' }>, what: string): string {
  return `${what} failed with the error "${answer.error}" (${escapeMrkdwn(answer.detail)}). Is ${escapeMrkdwn(ws.bot.name)} running?`;
}

/** A plain message typed by a person (the bot subscribes to no message events, so it only shows in the channel). */
export function postUserMessage(
  ws: Workspace,
  user: PlaygroundUser,
  text: string,
  threadTs?: string,
): InteractionResult {
  if (text.trim() === '') return { ok: false, error: 'no_text' };
  ws.channel.post({ user: user.id, text: escapeMrkdwn(text), threadTs });
  return { ok: true };
}

/**
 * Runs a slash command the way Slack does: a signed form POST to the bot with a response_url and trigger_id, then
 * the ack shown as Slack shows it (ephemeral unless `in_channel`), or Slackbot's error when the bot didn't answer.
 */
export async function runSlashCommand(
  ws: Workspace,
  responseUrls: ResponseUrls,
  user: PlaygroundUser,
  line: string,
  threadTs?: string,
): Promise<InteractionResult> {
  const match = /^(\/\S+)(?:\s+([\s\S]*))?$/.exec(line.trim());
  if (!match?.[1]) return { ok: false, error: 'not_a_command' };
  const command = match[1];
  const text = (match[2] ?? '').trim();
  if (ws.commands !== undefined && !ws.commands.includes(command)) {
    slackbotNotice(
      ws,
      user.id,
      `\`${escapeMrkdwn(command)}\` is not a valid command. In Slack, all messages that start with the "/" character are interpreted as commands.`,
      threadTs,
    );
    return { ok: true };
  }
  const responseUrl = responseUrls.create({ userId: user.id, threadTs });
  const triggerId = ws.triggers.issue(user.id);
  const body = slashCommandBody(ws, { user, command, text, responseUrl: responseUrl.url, triggerId });
  const answer = await deliverToBot(ws, body);
  if (answer.kind === 'failed') {
    slackbotNotice(ws, user.id, failureNotice(ws, answer, `\`${escapeMrkdwn(command)}\``), threadTs);
    return { ok: true };
  }
  if (answer.body.trim() === '') return { ok: true };
  let ack: z.infer<typeof ackBody> = { text: answer.body };
  if (answer.contentType.includes('application/json')) {
    const parsed = ackBody.safeParse(parseJson(answer.body));
    if (!parsed.success) {
      slackbotNotice(ws, user.id, `\`${escapeMrkdwn(command)}\` failed with the error "invalid_blocks".`, threadTs);
      return { ok: true };
    }
    ack = parsed.data;
  }
  if ((ack.text ?? '') === '' && (ack.blocks ?? []).length === 0) return { ok: true };
  const reply = { text: ack.text ?? '', blocks: ack.blocks === undefined ? undefined : withGeneratedIds(ack.blocks) };
  const bot = { user: ws.bot.userId, botId: ws.bot.botId };
  if (ack.response_type === 'in_channel') {
    // Slack shares the command itself along with an in_channel response.
    ws.channel.post({ user: user.id, text: escapeMrkdwn(`${command} ${text}`.trim()), threadTs });
    ws.channel.post({ ...bot, ...reply, threadTs });
  } else {
    const message = ws.channel.post({ ...bot, ...reply, threadTs, ephemeralTo: user.id });
    responseUrl.target.originalTs ??= message.ts;
  }
  return { ok: true };
}

/** Sends a button click to the bot as a signed `block_actions` interaction (the page has shown any confirm first). */
export async function clickButton(
  ws: Workspace,
  responseUrls: ResponseUrls,
  user: PlaygroundUser,
  click: { messageTs: string; blockId: string; actionId: string },
): Promise<InteractionResult> {
  const message = ws.channel.get(click.messageTs);
  if (!message || !Channel.visible(message, user.id)) return { ok: false, error: 'message_not_found' };
  const found = findButton(message.blocks ?? [], click.blockId, click.actionId);
  if (!found) return { ok: false, error: 'action_not_found' };
  const isEphemeral = message.ephemeralTo !== undefined;
  const responseUrl = responseUrls.create({ userId: user.id, originalTs: message.ts, threadTs: message.threadTs });
  const payload = blockActionsPayload(ws, {
    user,
    blockId: found.blockId,
    button: found.button,
    message: messageObject(ws, message),
    messageTs: message.ts,
    threadTs: message.threadTs,
    isEphemeral,
    responseUrl: responseUrl.url,
    triggerId: ws.triggers.issue(user.id),
  });
  const answer = await deliverToBot(ws, interactionBody(payload));
  // Slack ignores the body of an interaction's ack; only a failure is shown.
  if (answer.kind === 'failed') {
    slackbotNotice(
      ws,
      user.id,
      failureNotice(ws, answer, `Your click on *${escapeMrkdwn(found.button.text.text)}*`),
      message.threadTs,
    );
  }
  return { ok: true };
}
