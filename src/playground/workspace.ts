import type { Logger } from '../log.js';
import { Channel } from './channel.js';
import { FileStore } from './file-store.js';
import { Modals } from './modals.js';
import { Triggers } from './triggers.js';

/** A person in the playground, and the role they are meant to try (shown in the user switcher). */
export interface PlaygroundUser {
  id: string;
  name: string;
  role: string;
}

/** Who the bot is in the playground's workspace (what auth.test reports). */
export interface BotIdentity {
  userId: string;
  botId: string;
  appId: string;
  name: string;
}

/** The workspace the playground stands in for: team, bot, people, one channel, files, and how to reach the bot. */
export interface Workspace {
  team: { id: string; domain: string; name: string };
  bot: BotIdentity;
  users: readonly PlaygroundUser[];
  channel: Channel;
  files: FileStore;
  /** trigger_ids handed out with commands and clicks (views.open needs a fresh one). */
  triggers: Triggers;
  modals: Modals;
  botToken: string;
  signingSecret: string;
  /** Slack's deprecated verification token, sent in payloads as Slack still does. */
  verificationToken: string;
  /** Slash commands the bot declares; when given, others get Slack's "not a valid command". */
  commands?: readonly string[];
  /** `http://127.0.0.1:PORT` once listening: the base of response_url and upload URLs. */
  origin: string;
  /** The bot's `/slack/events` URL, known once the bot has started. */
  botEventsUrl?: string;
  log: Logger;
}

/** Fixed ids that look like Slack's, so payloads and logs read naturally. */
export const playgroundIds = {
  team: { id: 'T0PLAYGRND', domain: 'playground', name: 'Playground' },
  bot: { userId: 'U0PLAYBOT1', botId: 'B0PLAYBOT1', appId: 'A0PLAYAPP1' },
} as const;

/** Builds the workspace state for a playground. */
export function createWorkspace(input: {
  channel: { id: string; name: string };
  users: readonly PlaygroundUser[];
  botToken: string;
  signingSecret: string;
  botName?: string;
  commands?: readonly string[];
  botEventsUrl?: string;
  log: Logger;
}): Workspace {
  return {
    team: { ...playgroundIds.team },
    bot: { ...playgroundIds.bot, name: input.botName ?? 'thermaliq-runbooks' },
    users: input.users,
    channel: new Channel(input.channel.id, input.channel.name),
    files: new FileStore(),
    triggers: new Triggers(),
    modals: new Modals(),
    botToken: input.botToken,
    signingSecret: input.signingSecret,
    verificationToken: 'playground-verification-token',
    commands: input.commands,
    origin: '',
    botEventsUrl: input.botEventsUrl,
    log: input.log,
  };
}

/** Slackbot's user id: Slack's own notices (unknown command, app errors) come from it. */
export const slackbotId = 'USLACKBOT';

/** A person's display name, the bot's name for the bot, Slackbot, or undefined for strangers. */
export function displayName(ws: Workspace, userId: string): string | undefined {
  if (userId === ws.bot.userId) return ws.bot.name;
  if (userId === slackbotId) return 'Slackbot';
  return ws.users.find((u) => u.id === userId)?.name;
}
