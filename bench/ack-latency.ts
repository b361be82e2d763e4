import { writeFileSync } from 'node:fs';
import { z } from 'zod';
import { channels, createWorld, people, signingSecret } from '../test/helpers/world.js';
import { type BenchProcess, runProcess, startBotProcess, startProcess } from './processes.js';
import { loadAverage, ms, quantile } from './stats.js';

const total = 2000;
const concurrency = Number(process.env.ACK_CONCURRENCY ?? 50);
const repetitions = 3;
const tsx = ['--import', 'tsx'];

const loadResult = z.object({ latencies: z.array(z.number()), wallMs: z.number(), failures: z.number() });
type LoadResult = z.infer<typeof loadResult>;

/** Runs the load generator as its own process against `url`; resolves with what it measured. */
async function fire(url: string, count: number): Promise<LoadResult> {
  const stdout = await runProcess(process.execPath, [
    ...tsx,
    'bench/ack/load.ts',
    url,
    String(count),
    String(concurrency),
    signingSecret,
    people.viewer,
    channels.ops,
  ]);
  const line = stdout.split('\n').find((l) => l.startsWith('{"latencies"'));
  const result = loadResult.parse(JSON.parse(line ?? '{}'));
  if (result.failures > 0) throw new Error(`${result.failures} of ${count} commands to ${url} were not acked with 200`);
  return result;
}

interface Side {
  name: string;
  url: string;
  proc: BenchProcess;
  latencies: number[];
  wallMs: number;
  cpuMs: number;
}

/**
 * Ack latency and throughput of the bot against a bare Bolt app, each in its own process, with the load generator in
 * a third: the bot as `npm start` runs it (compiled, ROLE=bot, its own PostgreSQL and Redis connections), the
 * baseline a Bolt app whose listener only acks. Alternating rounds of 2,000 signed `/thermaliq health` commands at
 * concurrency 50, 3 repetitions. Prints p50, p99, commands/s and CPU per command for both, and the ratios.
 */
export async function benchAckLatency(): Promise<{ p50Ratio: number; p99Ratio: number; perSecond: number }> {
  const world = await createWorld();
  // ACK_PROFILE_DIR=dir writes the bot's CPU profile there when it stops (open it in Chrome DevTools).
  // ACK_NODE_OPTIONS adds node options to the bot's (e.g. --trace-gc).
  const profile = process.env.ACK_PROFILE_DIR;
  const nodeOptions = [profile ? `--cpu-prof --cpu-prof-dir=${profile}` : '', process.env.ACK_NODE_OPTIONS ?? '']
    .join(' ')
    .trim();
  const bot = await startBotProcess(world, 'bot', nodeOptions ? { NODE_OPTIONS: nodeOptions } : {});
  const bare = await startProcess(
    process.execPath,
    ['bench/ack/bare-bolt.mjs', signingSecret, world.slack.url],
    {},
    (line) => line.startsWith('{"port"'),
  );
  const barePort = z.object({ port: z.number() }).parse(
    JSON.parse(
      bare
        .output()
        .split('\n')
        .find((l) => l.startsWith('{"port"')) ?? '{}',
    ),
  ).port;
  const sides: Side[] = [
    {
      name: 'bare Bolt',
      url: `http://127.0.0.1:${barePort}/slack/events`,
      proc: bare,
      latencies: [],
      wallMs: 0,
      cpuMs: 0,
    },
    { name: 'bot', url: `http://127.0.0.1:${bot.port}/slack/events`, proc: bot, latencies: [], wallMs: 0, cpuMs: 0 },
  ];
  try {
    console.log(
      `ack: ${total} signed /thermaliq health per round at concurrency ${concurrency}, ${repetitions} rounds each, alternating; bot, bare Bolt and load generator in their own processes (${loadAverage()})`,
    );
    // Warm both up (JIT, pools, connections) before measuring.
    for (const side of sides) await fire(side.url, 1_000);
    const rounds: string[] = [];
    for (let r = 0; r < repetitions; r++) {
      for (const side of sides) {
        const cpuBefore = side.proc.cpuMs();
        const result = await fire(side.url, total);
        const cpu = side.proc.cpuMs() - cpuBefore;
        side.cpuMs += cpu;
        side.latencies.push(...result.latencies);
        side.wallMs += result.wallMs;
        rounds.push(
          `${side.name} ${ms(quantile(result.latencies, 0.5))}/${ms(quantile(result.latencies, 0.99))} ${(cpu / total).toFixed(2)} ms CPU`,
        );
      }
    }
    console.log(`  rounds (p50/p99, CPU a command): ${rounds.join(' · ')}`);
    const rate = (s: Side) => (total * repetitions) / (s.wallMs / 1000);
    for (const s of sides) {
      console.log(
        `  ${s.name.padEnd(10)} p50 ${ms(quantile(s.latencies, 0.5)).padStart(9)}   p99 ${ms(quantile(s.latencies, 0.99)).padStart(9)}   ${rate(s).toFixed(0).padStart(5)} commands/s   ${(s.cpuMs / (total * repetitions)).toFixed(2)} ms CPU per command`,
      );
    }
    const [base, ours] = sides as [Side, Side];
    const p50Ratio = quantile(ours.latencies, 0.5) / quantile(base.latencies, 0.5);
    const p99Ratio = quantile(ours.latencies, 0.99) / quantile(base.latencies, 0.99);
    console.log(
      `  ratio bot/bare: p50 ${p50Ratio.toFixed(2)}× (target ≤ 2), p99 ${p99Ratio.toFixed(2)}× (target ≤ 1.3); bot ${rate(ours).toFixed(0)} commands/s (target ≥ 1,500)  (${loadAverage()})`,
    );
    return { p50Ratio, p99Ratio, perSecond: rate(ours) };
  } finally {
    await bare.stop();
    await bot.stop();
    // ACK_BOT_OUTPUT=file keeps what the bot printed (its log, and the trace an ACK_NODE_OPTIONS asked for).
    if (process.env.ACK_BOT_OUTPUT) writeFileSync(process.env.ACK_BOT_OUTPUT, bot.output());
    await world.close();
  }
}
