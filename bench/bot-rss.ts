import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { botEnv, createWorld, people } from '../test/helpers/world.js';
import { dropRedisKeys, waitUntil } from '../test/support/services.js';
import { postSigned, slashCommandBody } from '../test/support/slack-signing.js';

/** Resident set size of a process, in MiB, from /proc. */
function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(line?.replace(/\D+/g, '') ?? 0) / 1024;
}

/** RSS of a bot process (ROLE=bot, so nothing runs) after 100 and after 10,000 commands. */
export async function benchBotRss(): Promise<{ growth: number }> {
  const world = await createWorld();
  const env = botEnv(world, { role: 'bot', env: { LOG_LEVEL: 'warn', PORT: '0' } });
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
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
    await fire(100);
    global.gc?.();
    const after100 = rssMiB(child.pid ?? 0);
    await fire(9_900);
    const after10k = rssMiB(child.pid ?? 0);
    const growth = after10k / after100 - 1;
    console.log(`bot RSS: ${sent} signed commands (health and a typo, worker off), one bot process`);
    console.log(`  after 100      ${after100.toFixed(1)} MiB`);
    console.log(`  after 10,000   ${after10k.toFixed(1)} MiB`);
    console.log(`  growth: ${(growth * 100).toFixed(1)} % (target < 20 %)`);
    return { growth };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    // The 10,000 queued jobs this bench leaves in the local Redis.
    await dropRedisKeys(env.QUEUE_PREFIX ?? '');
    await world.close();
  }
}
