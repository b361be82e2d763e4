import { spawnWorker, type WorkerProcess } from '../test/helpers/spawn-worker.js';
import { channels, createWorld, people, runIdOf, startBot } from '../test/helpers/world.js';
import { waitUntil } from '../test/support/services.js';
import { describeViolations, loadAverage, watchEventLoop } from './stats.js';

const runs = 60;

/**
 * 60 runs started at once in one channel, with two worker processes (each its own process, as deployed) on the same
 * Redis, against a Slack stand-in that enforces one post a second per channel and records every violation. Prints
 * the seconds until the 60th run's message ÷ 60 s (Slack's limit), and the pacing of every post to the channel.
 */
export async function benchBurst(): Promise<{ ratio: number }> {
  const world = await createWorld();
  world.slack.enforceRateLimits();
  const bot = await startBot(world, { role: 'bot', paceAsDeployed: true });
  const loop = watchEventLoop();
  const procs: WorkerProcess[] = [];
  try {
    // The workers run as deployed (src/main.ts, the outbox's real pacing), with room to start every run at once.
    const env = { WORKER_CONCURRENCY: String(runs / 2), LOG_LEVEL: 'info' };
    for (let i = 0; i < 2; i++) procs.push(await spawnWorker(world, env));
    console.log(`burst: ${runs} 'pods' runs started at once in one channel, 2 worker processes (${loadAverage()})`);
    const before = world.slack.calls.length;
    const started = Date.now();
    const ids = await Promise.all(
      Array.from({ length: runs }, async () => runIdOf(await bot.command('pods', { user: people.viewer }))),
    );
    const firstPosts = new Map<string, number>();
    await waitUntil(
      () => {
        for (const c of world.slack.calls.slice(before)) {
          if (c.method !== 'chat.postMessage' || !c.ok || c.body.channel !== channels.ops || c.body.thread_ts) continue;
          const id = ids.find((r) => JSON.stringify(c.body).includes(r));
          if (id && !firstPosts.has(id)) firstPosts.set(id, c.at);
        }
        return firstPosts.size === runs;
      },
      { timeoutMs: runs * 3000, intervalMs: 200, description: `the ${runs} run messages` },
    );
    const elapsed = (Math.max(...firstPosts.values()) - started) / 1000;
    const posts = world.slack.calls.slice(before).filter((c) => c.method === 'chat.postMessage' && c.ok);
    const span = (posts.at(-1)?.at ?? 0) - (posts[0]?.at ?? 0);
    const ratio = elapsed / runs;
    console.log(`  ${runs} run messages posted in ${elapsed.toFixed(1)} s  (${loadAverage()})`);
    console.log(`  ratio to ${runs} s at 1 post/s: ${ratio.toFixed(2)} (target ≤ 1.1)`);
    console.log(
      `  all posts to the channel meanwhile (run messages and report threads): ${posts.length} in ${(span / 1000).toFixed(1)} s, ${(span / Math.max(1, posts.length - 1) / 1000).toFixed(2)} s apart on average`,
    );
    console.log(`  ${describeViolations(world.slack.violations())}; ${loop.worstStall()}`);
    return { ratio };
  } finally {
    for (const p of procs) await p.kill();
    await bot.stop();
    await world.close();
  }
}
