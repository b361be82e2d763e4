import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { botEnv, createWorld, people } from '../test/helpers/world.js';
import { dropRedisKeys, waitUntil } from '../test/support/services.js';
import { postSigned, slashCommandBody } from '../test/support/slack-signing.js';
import { buildDist, startArgs } from './processes.js';
import { loadAverage } from './stats.js';

/** Resident set size of a process, in MiB, from /proc. */
function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(line?.replace(/\D+/g, '') ?? 0) / 1024;
}

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
  rawRss: number;
}

/**
 * RSS of a bot process (ROLE=bot, so nothing runs) after 100 and after 10,000 commands, each measured after full
 * collections in the bot, so the comparison is of retained memory.
 */
export async function benchBotRss(): Promise<{ growth: number }> {
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
        rawRss: rssMiB(child.pid ?? 0),
      };
    };
    await fire(100);
    const after100 = await retained();
    // Raw RSS along the way: a leak climbs steadily, the collector's sawtooth does not.
    const path: string[] = [];
    while (sent < 10_000) {
      await fire(1_000 - (sent % 1_000));
      path.push(`${sent / 1000}k ${rssMiB(child.pid ?? 0).toFixed(0)}`);
    }
    const after10k = await retained();
    const growth = after10k.rss / after100.rss - 1;
    const heapGrowth = after10k.heap / after100.heap - 1;
    console.log(
      `bot memory: ${sent} signed commands (health and a typo, worker off), one bot process (${loadAverage()})`,
    );
    console.log(`  after 100, collected      ${showRetained(after100)}`);
    console.log(`  after 10,000, collected   ${showRetained(after10k)}`);
    console.log(`  raw RSS on the way (MiB): ${path.join(', ')}`);
    console.log(
      `  growth after collection: heap ${(heapGrowth * 100).toFixed(1)} % (a leak shows here), RSS ${(growth * 100).toFixed(1)} % (target ≤ 20 %)  (${loadAverage()})`,
    );
    return { growth };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    // The 10,000 queued jobs this bench leaves in the local Redis.
    await dropRedisKeys(env.QUEUE_PREFIX ?? '');
    await world.close();
  }
}
