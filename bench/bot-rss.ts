import { spawn } from 'node:child_process';
import { z } from 'zod';
import { botEnv, createWorld, people } from '../test/helpers/world.js';
import { dropRedisKeys, waitUntil } from '../test/support/services.js';
import { postSigned, slashCommandBody } from '../test/support/slack-signing.js';
import { buildDist, startArgs } from './processes.js';
import { loadAverage } from './stats.js';

const mib = 1024 * 1024;

/** One line of retained memory. */
export function showRetained(r: { rss: number; heap: number; heapTotal: number; external: number }): string {
  return `RSS ${r.rss.toFixed(1)} MiB (heap used ${r.heap.toFixed(1)} of ${r.heapTotal.toFixed(1)} reserved, external ${r.external.toFixed(1)})`;
}
const retainedSchema = z.object({ rss: z.number(), heapUsed: z.number(), heapTotal: z.number(), external: z.number() });
/** Memory a process keeps after full collections, in MiB. */
interface Retained {
  rss: number;
  heap: number;
  heapTotal: number;
  external: number;
}

/** Commands in each measured round after the warm-up, and how many rounds. */
const roundSize = 5_000;
const rounds = 6;

/**
 * Memory of a bot process (ROLE=bot, so nothing runs) under signed commands, each figure taken after full collections
 * in the bot, so it is retained memory and not where the collector's sawtooth happens to be. The heap after
 * collection tells a leak (it climbs with every round) from the allocator keeping pages it got under load (RSS rises,
 * then stays): RSS is followed round by round to its plateau, 30,000 commands in all.
 */
export async function benchBotRss(): Promise<{ growth: number; heapGrowth: number; plateau: number }> {
  const world = await createWorld();
  const env = botEnv(world, { role: 'bot', env: { LOG_LEVEL: 'warn', PORT: '0' } });
  buildDist();
  // As `npm start` runs it (compiled), plus the hook that collects garbage on a signal.
  const child = spawn(process.execPath, ['--expose-gc', '--import', './bench/gc-on-signal.mjs', ...startArgs()], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  try {
    const port = await waitUntil(
      () =>
        /"msg":"started"/.test(out) &&
        Number(/"port":(\d+)/.exec(out.split('\n').find((l) => l.includes('"msg":"started"')) ?? '')?.[1]),
      {
        timeoutMs: 60_000,
        description: 'the bot to start',
      },
    );
    const url = `http://127.0.0.1:${port}/slack/events`;
    const secret = env.SLACK_SIGNING_SECRET ?? '';
    let sent = 0;
    const fire = async (count: number) => {
      const target = sent + count;
      const loop = async () => {
        while (sent < target) {
          sent += 1;
          const body = slashCommandBody({
            command: '/thermaliq',
            text: sent % 3 === 0 ? 'helth' : 'health',
            user_id: people.viewer,
            channel_id: 'COPS0001',
          });
          const res = await postSigned(url, secret, body);
          if (res.status !== 200) throw new Error(`command ${sent} answered ${res.status}`);
        }
      };
      await Promise.all(Array.from({ length: 20 }, loop));
    };
    /** Asks the bot for full collections (see gc-on-signal.mjs) and returns the memory left after them. */
    const retained = async (): Promise<Retained> => {
      const seen = out.split('\n').filter((l) => l.includes('"benchGc":true')).length;
      child.kill('SIGUSR2');
      const line = await waitUntil(() => out.split('\n').filter((l) => l.includes('"benchGc":true'))[seen], {
        timeoutMs: 30_000,
        description: 'the bot to collect garbage',
      });
      const m = retainedSchema.parse(JSON.parse(line));
      return {
        rss: m.rss / mib,
        heap: m.heapUsed / mib,
        heapTotal: m.heapTotal / mib,
        external: m.external / mib,
      };
    };
    await fire(100);
    const after100 = await retained();
    await fire(900);
    const warm = await retained();
    const series: (Retained & { sent: number })[] = [];
    for (let r = 0; r < rounds; r++) {
      await fire((r + 1) * roundSize - sent);
      series.push({ sent, ...(await retained()) });
    }
    const at = (n: number) => series.find((p) => p.sent === n);
    const after10k = at(10_000);
    const half = at((rounds / 2) * roundSize);
    const last = series.at(-1);
    if (!after10k || !half || !last) throw new Error('a round of the memory bench is missing');
    const growth = after10k.rss / after100.rss - 1;
    const heapGrowth = last.heap / warm.heap - 1;
    const plateau = last.rss / half.rss - 1;
    console.log(
      `bot memory: ${sent} signed commands (health and a typo, worker off) at concurrency 20, one bot process (${loadAverage()})`,
    );
    console.log(`  after 100, collected      ${showRetained(after100)}`);
    console.log(`  after 1,000, collected    ${showRetained(warm)}`);
    for (const p of series)
      console.log(`  after ${p.sent.toLocaleString('en-US').padEnd(7)} collected  ${showRetained(p)}`);
    console.log(
      `  heap after collection, 1,000 → ${sent.toLocaleString('en-US')}: ${(heapGrowth * 100).toFixed(1)} % (a leak climbs here; target ≤ 5 %)`,
    );
    console.log(
      `  RSS after collection: 100 → 10,000 ${(growth * 100).toFixed(1)} % (target ≤ 20 %); plateau ${half.sent.toLocaleString('en-US')} → ${last.sent.toLocaleString('en-US')} ${(plateau * 100).toFixed(1)} % (target ≤ 5 %)  (${loadAverage()})`,
    );
    return { growth, heapGrowth, plateau };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    // The 10,000 queued jobs this bench leaves in the local Redis.
    await dropRedisKeys(env.QUEUE_PREFIX ?? '');
    await world.close();
  }
}
