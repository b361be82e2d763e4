import type { ButtonElement } from './block-kit.js';
import type { Json } from './channel.js';
import type { PlaygroundUser, Workspace } from './workspace.js';

/** The handle Slack gives a user in payloads (`user_name`, `user.username`). */
export function userHandle(user: PlaygroundUser): string {
  return user.name.toLowerCase().replace(/[^a-z0-9._-]+/g, '.');
}

/** The form body Slack POSTs for a slash command, fields in Slack's order. */
export function slashCommandBody(
  ws: Workspace,
  input: { user: PlaygroundUser; command: string; text: string; responseUrl: string; triggerId: string },
): string {
  return new URLSearchParams([
    ['token', ws.verificationToken],
    ['team_id', ws.team.id],
    ['team_domain', ws.team.domain],
    ['channel_id', ws.channel.id],
    ['channel_name', ws.channel.name],
    ['user_id', input.user.id],
    ['user_name', userHandle(input.user)],
    ['command', input.command],
    ['text', input.text],
    ['api_app_id', ws.bot.appId],
    ['is_enterprise_install', 'false'],
    ['response_url', input.responseUrl],
    ['trigger_id', input.triggerId],
  ]).toString();
}

/** What a button click is about. */
export interface ButtonClick {
  user: PlaygroundUser;
  blockId: string;
  button: ButtonElement;
  /** The message holding the button, as a Slack message object. */
  message: Record<string, Json>;
  messageTs: string;
  threadTs?: string;
  isEphemeral: boolean;
  responseUrl: string;
  triggerId: string;
}

/** A `block_actions` payload for a button click, with the fields and shapes Slack sends. */
export function blockActionsPayload(ws: Workspace, click: ButtonClick): Record<string, Json> {
  const container: Record<string, Json> = {
    type: 'message',
    message_ts: click.messageTs,
    channel_id: ws.channel.id,
    is_ephemeral: click.isEphemeral,
  };
  if (click.threadTs !== undefined) container.thread_ts = click.threadTs;
  const action: Record<string, Json> = {
    action_id: click.button.action_id ?? '',
    block_id: click.blockId,
    text: { type: 'plain_text', text: click.button.text.text, emoji: click.button.text.emoji ?? true },
    type: 'button',
    action_ts: (Date.now() / 1000).toFixed(6),
  };
  if (click.button.value !== undefined) action.value = click.button.value;
  if (click.button.style !== undefined) action.style = click.button.style;
  const handle = userHandle(click.user);
  const payload: Record<string, Json> = {
    type: 'block_actions',
    user: { id: click.user.id, username: handle, name: handle, team_id: ws.team.id },
    api_app_id: ws.bot.appId,
    token: ws.verificationToken,
    container,
    trigger_id: click.triggerId,
    team: { id: ws.team.id, domain: ws.team.domain },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: ws.channel.id, name: ws.channel.name },
  };
  // Slack leaves the message out of payloads from ephemeral messages; apps see only the container.
  if (!click.isEphemeral) payload.message = click.message;
  payload.state = { values: {} };
  payload.response_url = click.responseUrl;
  payload.actions = [action];
  return payload;
}

/** The form body Slack POSTs for an interaction: `payload=<JSON>`. */
export function interactionBody(payload: Record<string, Json>): string {
  return new URLSearchParams([['payload', JSON.stringify(payload)]]).toString();
}
