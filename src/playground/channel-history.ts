import { z } from 'zod';
import type { Logger } from '../log.js';
import type { Queryable } from '../store/db.js';
import type { Channel, ChannelChange, ChannelMessage } from './channel.js';
import { jsonValue } from './channel.js';

/**
 * How many messages of a channel the store keeps, replies included: the newest by ts. A week of scheduled digests
 * and a few dozen runs, each a report and its thread, fit; older ones go, as in a free Slack workspace.
 */
export const keptMessagesPerChannel = 500;

/** A stored message, parsed: it was written by an older or newer playground, so trust nothing. */
const storedMessage = z.object({
  ts: z.string().regex(/^\d+\.\d{6}$/),
  threadTs: z.string().optional(),
  user: z.string(),
  botId: z.string().optional(),
  text: z.string(),
  blocks: z.array(z.record(z.string(), jsonValue)).optional(),
  fileIds: z.array(z.string()).default([]),
  edited: z.boolean().default(false),
});

/** The playground channel's messages in the bot's store, so a restart on the same data dir shows what was there. */
export interface ChannelHistory {
  /** Resolves once every change so far is written (or has failed and been logged). */
  flush(): Promise<void>;
  /** Stops recording changes, after writing the ones under way. */
  close(): Promise<void>;
}

/** The channel's stored messages, oldest first; rows that no longer parse are skipped and logged. */
export async function loadChannelHistory(db: Queryable, channelId: string, log: Logger): Promise<ChannelMessage[]> {
  const { rows } = await db.query<{ ts: string; message: unknown }>(
    'SELECT ts, message FROM playground_messages WHERE channel_id = $1 ORDER BY ts::numeric DESC LIMIT $2',
    [channelId, keptMessagesPerChannel],
  );
  const out: ChannelMessage[] = [];
  for (const row of rows.reverse()) {
    const parsed = storedMessage.safeParse(row.message);
    if (parsed.success && parsed.data.ts === row.ts) out.push(parsed.data);
    else log.warn({ ts: row.ts }, 'playground: a stored channel message does not parse; skipped');
  }
  return out;
}

/**
 * Loads the channel's stored messages into it, then writes every change to the store in the order it happened.
 * Ephemeral messages are not kept, as Slack does not keep them across a reload either. Files are not kept (they
 * can be megabytes): a restored message shows without its attachment. A failed write is logged and the
 * playground goes on in memory.
 */
export async function keepChannelHistory(db: Queryable, channel: Channel, log: Logger): Promise<ChannelHistory> {
  channel.restore(await loadChannelHistory(db, channel.id, log));
  let tail: Promise<void> = Promise.resolve();
  const write = async (change: ChannelChange): Promise<void> => {
    const { message } = change;
    if (message.ephemeralTo !== undefined) return;
    if (change.kind === 'remove') {
      await db.query('DELETE FROM playground_messages WHERE channel_id = $1 AND ts = $2', [channel.id, message.ts]);
      return;
    }
    const { rows } = await db.query<{ inserted: boolean }>(
      `INSERT INTO playground_messages (channel_id, ts, message) VALUES ($1, $2, $3)
       ON CONFLICT (channel_id, ts) DO UPDATE SET message = EXCLUDED.message, updated_at = now()
       RETURNING (xmax = 0) AS inserted`,
      [channel.id, message.ts, JSON.stringify(message)],
    );
    // Only a new message can push the channel over its bound; an edit in place cannot.
    if (rows[0]?.inserted) {
      await db.query(
        `DELETE FROM playground_messages WHERE channel_id = $1 AND ts IN (
           SELECT ts FROM playground_messages WHERE channel_id = $1 ORDER BY ts::numeric DESC OFFSET $2)`,
        [channel.id, keptMessagesPerChannel],
      );
    }
  };
  const stop = channel.onChange((change) => {
    // A snapshot now: the message object is edited in place by later changes, which are written after this one.
    const snapshot: ChannelChange = { ...change, message: structuredClone(change.message) };
    tail = tail
      .then(() => write(snapshot))
      .catch((err: unknown) => log.warn({ err, ts: snapshot.message.ts }, 'playground: could not keep a message'));
  });
  return {
    flush: () => tail,
    async close() {
      stop();
      await tail;
    },
  };
}
