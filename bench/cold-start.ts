import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { botEnv, createWorld, signingSecret } from '../test/helpers/world.js';
import { buildDist, startArgs } from './processes.js';
import { loadAverage, ms, quantile } from './stats.js';

const rounds = 7;

/** A TCP port free right now on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Spawns `args` with `env` and measures from spawn until `url` answers with `ready(status)`; then stops the process
 * with SIGTERM and waits for it. Bounded: 60 s to become ready.
 */
async function timeToReady(
  args: string[],
  env: Record<string, string>,
  url: string,
  ready: (status: number) => boolean,
): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: process.cwd(),
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    while (performance.now() - started < 60_000) {
      if (child.exitCode !== null) throw new Error(`${args.join(' ')} exited before it was ready:\n${stderr}`);
      const status = await fetch(url).then(
        (r) => r.status,
        () => 0,
      );
      if (ready(status)) return performance.now() - started;
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error(`${args.join(' ')} was not ready within 60 s`);
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

/**
 * Cold start, spawn to ready, of the bot as `npm start` runs it (`node dist/main.js`, ROLE=all, DATABASE_URL and
 * REDIS_URL set) until `/readyz` answers 200, against a bare Bolt app until its HTTP server answers; alternating, 7
 * rounds each. Prints medians, the ratio, and the load average.
 */
export async function benchColdStart(): Promise<{ botMs: number; ratio: number }> {
  buildDist();
  const world = await createWorld();
  try {
    const configFile = join(mkdtempSync(join(tmpdir(), 'bench-')), 'ops.yml');
    writeFileSync(configFile, JSON.stringify(world.config));
    const bot: number[] = [];
    const bare: number[] = [];
    console.log(`cold start: spawn until ready, ${rounds} rounds alternating (${loadAverage()})`);
    for (let r = 0; r < rounds; r++) {
      const barePort = await freePort();
      bare.push(
        await timeToReady(
          ['bench/ack/bare-bolt.mjs', signingSecret, world.slack.url, String(barePort)],
          {},
          `http://127.0.0.1:${barePort}/`,
          (s) => s > 0,
        ),
      );
      const port = await freePort();
      bot.push(
        await timeToReady(
          startArgs(),
          botEnv(world, { env: { PORT: String(port), OPS_CONFIG: configFile } }),
          `http://127.0.0.1:${port}/readyz`,
          (s) => s === 200,
        ),
      );
    }
    const botMs = quantile(bot, 0.5);
    const bareMs = quantile(bare, 0.5);
    console.log(
      `  bare Bolt  median ${ms(bareMs).padStart(9)}   (min ${ms(Math.min(...bare))}, max ${ms(Math.max(...bare))})`,
    );
    console.log(
      `  bot        median ${ms(botMs).padStart(9)}   (min ${ms(Math.min(...bot))}, max ${ms(Math.max(...bot))}; target ≤ 1200 ms)`,
    );
    console.log(`  ratio bot/bare: ${(botMs / bareMs).toFixed(2)}×  (${loadAverage()})`);
    return { botMs, ratio: botMs / bareMs };
  } finally {
    await world.close();
  }
}
