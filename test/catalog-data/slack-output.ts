import type { Bot, World } from '../helpers/world.js';
import { runIdOf } from '../helpers/world.js';

/** What a finished run put in Slack: the final message, its thread replies and uploads, as searchable text. */
export interface RunOutput {
  runId: string;
  /** The final message's blocks, as JSON. */
  message: string;
  /** Every thread reply's blocks and text, as JSON. */
  thread: string;
  /** The uploaded files' contents. */
  uploads: string[];
}

/** Sends a command as `user`, waits for its final message and collects what reached Slack. */
export async function runToEnd(bot: Bot, world: World, text: string, user: string): Promise<RunOutput> {
  const reply = await bot.command(text, { user });
  const runId = runIdOf(reply);
  const final = await bot.finalMessage(runId, 60_000);
  return collectWithThread(world, runId, final.ts, final.blocks);
}

/** Waits for the thread reply a report with details gets, then collects. */
export async function collectWithThread(world: World, runId: string, ts: string, blocks: unknown): Promise<RunOutput> {
  if (JSON.stringify(blocks ?? '').includes('details in thread')) {
    await world.slack.waitFor((c) => c.method === 'chat.postMessage' && c.body.thread_ts === ts, 15_000);
  }
  return collect(world, runId, ts, blocks);
}

/** What reached Slack for a run whose final message is known. */
export function collect(world: World, runId: string, ts: string, blocks: unknown): RunOutput {
  const replies = world.slack
    .callsOf('chat.postMessage')
    .filter((c) => c.body.thread_ts === ts)
    .map((c) => JSON.stringify({ text: c.body.text, blocks: c.body.blocks }));
  return {
    runId,
    message: JSON.stringify(blocks ?? ''),
    thread: replies.join('\n'),
    uploads: world.slack
      .uploads()
      .filter((u) => u.thread_ts === ts)
      .map((u) => u.bytes.toString('utf8')),
  };
}

/** How many runs the store holds: a refused command must not add one. */
export async function runCount(bot: Bot): Promise<number> {
  return Number((await bot.query<{ n: string }>('SELECT count(*) AS n FROM runs'))[0]?.n);
}

/** The ephemeral text a command was answered with. */
export async function replyText(bot: Bot, text: string, user: string): Promise<string> {
  const reply = await bot.command(text, { user });
  const body: unknown = reply.json;
  return typeof body === 'object' && body !== null && 'text' in body ? String(body.text) : reply.text;
}
