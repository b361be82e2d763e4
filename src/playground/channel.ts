import { z } from 'zod';

/** Any JSON value (message blocks are kept exactly as the bot sent them, plus the ids Slack fills in). */
export const jsonValue = z.json();
/** A JSON value. */
export type Json = z.infer<typeof jsonValue>;
/** A JSON object, such as one Block Kit block. */
export type JsonObject = { [key: string]: Json };

/** One message in the channel: posted by a person or the bot, maybe in a thread, maybe ephemeral. */
export interface ChannelMessage {
  ts: string;
  /** The thread root's ts, for replies only. */
  threadTs?: string;
  /** Author: a person's user id, or the bot's user id. */
  user: string;
  /** Set when the bot posted it. */
  botId?: string;
  text: string;
  blocks?: JsonObject[];
  /** Files shared with the message (ids in the file store). */
  fileIds: string[];
  /** The only user who sees it (chat.postEphemeral, command acks, response_url ephemerals). */
  ephemeralTo?: string;
  /** Set after chat.update or a replace_original. */
  edited: boolean;
}

/** What changed, for live views. */
export type ChannelChange = { kind: 'upsert'; message: ChannelMessage } | { kind: 'remove'; message: ChannelMessage };

/** What a new message carries; the channel assigns ts. */
export type NewMessage = Omit<ChannelMessage, 'ts' | 'edited' | 'fileIds'> & { fileIds?: string[] };

/** A ts (`seconds.micros`) in microseconds, the unit the channel counts in. */
function tsMicros(ts: string): number {
  const [seconds = '0', micros = '0'] = ts.split('.');
  return Number(seconds) * 1_000_000 + Number(micros.padEnd(6, '0').slice(0, 6));
}

/**
 * The in-memory channel: messages in ts order with threads, ephemeral messages, edits and deletes. Every change is
 * announced to listeners so open pages update live.
 */
export class Channel {
  private readonly messages = new Map<string, ChannelMessage>();
  private readonly listeners = new Set<(change: ChannelChange) => void>();
  private lastTsMicros = 0;

  constructor(
    readonly id: string,
    readonly name: string,
  ) {}

  /** A Slack-style ts (`seconds.micros`), strictly increasing so it can key and order messages. */
  private nextTs(): string {
    this.lastTsMicros = Math.max(Date.now() * 1000, this.lastTsMicros + 1);
    const seconds = Math.floor(this.lastTsMicros / 1_000_000);
    return `${seconds}.${String(this.lastTsMicros % 1_000_000).padStart(6, '0')}`;
  }

  /** Calls `listener` on every change; returns the unsubscribe function. */
  onChange(listener: (change: ChannelChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(change: ChannelChange): void {
    for (const listener of this.listeners) listener(change);
  }

  /** The root a reply belongs to: Slack files a reply to a reply under the same root; an unknown root means none. */
  threadRoot(threadTs: string | undefined): string | undefined {
    if (threadTs === undefined) return undefined;
    const parent = this.messages.get(threadTs);
    if (!parent) return undefined;
    return parent.threadTs ?? parent.ts;
  }

  /**
   * Puts back messages kept from an earlier run (at start, before anyone is listening): they keep their ts, and
   * new messages are given later ones.
   */
  restore(messages: readonly ChannelMessage[]): void {
    for (const message of [...messages].sort((a, b) => tsMicros(a.ts) - tsMicros(b.ts))) {
      this.messages.set(message.ts, message);
      this.lastTsMicros = Math.max(this.lastTsMicros, tsMicros(message.ts));
    }
  }

  /** Adds a message and returns it with its ts. */
  post(input: NewMessage): ChannelMessage {
    const threadTs = this.threadRoot(input.threadTs);
    const message: ChannelMessage = { ...input, ts: this.nextTs(), edited: false, fileIds: input.fileIds ?? [] };
    if (threadTs === undefined) delete message.threadTs;
    else message.threadTs = threadTs;
    this.messages.set(message.ts, message);
    this.emit({ kind: 'upsert', message });
    this.touchRoot(message);
    return message;
  }

  /** Replaces a message's text and/or blocks in place. */
  update(ts: string, patch: { text?: string; blocks?: JsonObject[] }): ChannelMessage | undefined {
    const message = this.messages.get(ts);
    if (!message) return undefined;
    if (patch.text !== undefined) message.text = patch.text;
    if (patch.blocks !== undefined) message.blocks = patch.blocks;
    message.edited = true;
    this.emit({ kind: 'upsert', message });
    return message;
  }

  /** Deletes a message; replies of a deleted root stay, as in Slack. */
  remove(ts: string): ChannelMessage | undefined {
    const message = this.messages.get(ts);
    if (!message) return undefined;
    this.messages.delete(ts);
    this.emit({ kind: 'remove', message });
    this.touchRoot(message);
    return message;
  }

  /** Re-announces a thread root when its replies change, so its reply count updates. */
  private touchRoot(message: ChannelMessage): void {
    const root = message.threadTs === undefined ? undefined : this.messages.get(message.threadTs);
    if (root) this.emit({ kind: 'upsert', message: root });
  }

  /** One message by ts. */
  get(ts: string): ChannelMessage | undefined {
    return this.messages.get(ts);
  }

  /** Whether `userId` can see the message (ephemeral messages belong to one user). */
  static visible(message: ChannelMessage, userId: string): boolean {
    return message.ephemeralTo === undefined || message.ephemeralTo === userId;
  }

  /** Every message `userId` can see, oldest first, replies included. */
  visibleTo(userId: string): ChannelMessage[] {
    return [...this.messages.values()].filter((m) => Channel.visible(m, userId));
  }

  /** Replies in a thread that everyone sees (what Slack's reply count counts), oldest first. */
  replies(rootTs: string): ChannelMessage[] {
    return [...this.messages.values()].filter((m) => m.threadTs === rootTs && m.ephemeralTo === undefined);
  }
}
