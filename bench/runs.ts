import { type Bot, people, runIdOf } from '../test/helpers/world.js';
import { waitUntil } from '../test/support/services.js';

/** Starts `count` `pods` runs, round-robin over `channels` from the `from`-th; returns their run ids. */
export async function startPodsRuns(bot: Bot, channels: readonly string[], count: number, from = 0): Promise<string[]> {
  const ids: string[] = [];
  for (let i = from; i < from + count; i++) {
    ids.push(runIdOf(await bot.command('pods', { user: people.viewer, channel: channels[i % channels.length] })));
  }
  return ids;
}

/** Waits until every run succeeded and its report reached Slack. */
export async function waitReported(bot: Bot, ids: readonly string[], timeoutMs: number): Promise<void> {
  await waitUntil(
    async () => {
      const rows = await bot.query<{ n: string }>(
        "SELECT count(*) AS n FROM runs WHERE id = ANY($1) AND status = 'succeeded' AND reported_at IS NOT NULL",
        [ids],
      );
      return Number(rows[0]?.n) === ids.length;
    },
    { timeoutMs, intervalMs: 100, description: `${ids.length} runs to succeed and be reported` },
  );
}
