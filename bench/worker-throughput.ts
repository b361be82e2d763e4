import { spawnWorker, type WorkerProcess } from '../test/helpers/spawn-worker.js';
import { type Bot, createWorld, people, runIdOf, startBot, type World } from '../test/helpers/world.js';
import { waitUntil } from '../test/support/services.js';
import { ms } from './stats.js';

const runsPerRound = 40;
/** Every Kubernetes call waits this long: the runbook is I/O-bound, as real ones are. */
const kubeLatencyMs = 150;

async function round(world: World, bot: Bot, workers: number): Promise<number> {
  const procs: WorkerProcess[] = [];
  try {
    for (let i = 0; i < workers; i++)
      procs.push(await spawnWorker(world, { WORKER_CONCURRENCY: '2', LOG_LEVEL: 'info' }));
    const started = performance.now();
    const ids: string[] = [];
    for (let i = 0; i < runsPerRound; i++) ids.push(runIdOf(await bot.command('pods', { user: people.viewer })));
    await waitUntil(
      async () => {
        const rows = await bot.query<{ n: string }>(
          "SELECT count(*) AS n FROM runs WHERE id = ANY($1) AND status = 'succeeded'",
          [ids],
        );
        return Number(rows[0]?.n) === ids.length;
      },
      { timeoutMs: 300_000, intervalMs: 100, description: `${runsPerRound} runs on ${workers} worker(s)` },
    );
    return performance.now() - started;
  } finally {
    for (const p of procs) await p.kill();
  }
}

/** Runs per second with one and with two worker processes on the same Redis, for an I/O-bound runbook. */
export async function benchWorkerThroughput(): Promise<{ ratio: number }> {
  const world = await createWorld();
  world.kube.latencyMs = kubeLatencyMs;
  const bot = await startBot(world, { role: 'bot' });
  try {
    const one = await round(world, bot, 1);
    const two = await round(world, bot, 2);
    const ratio = one / two;
    console.log(
      `worker throughput: ${runsPerRound} 'pods' runs, ${kubeLatencyMs} ms per Kubernetes call, concurrency 2 per worker`,
    );
    console.log(`  1 worker process   ${ms(one).padStart(12)}  (${((runsPerRound / one) * 1000).toFixed(1)} runs/s)`);
    console.log(`  2 worker processes ${ms(two).padStart(12)}  (${((runsPerRound / two) * 1000).toFixed(1)} runs/s)`);
    console.log(`  ratio 2/1 workers: ${ratio.toFixed(2)}× (target ≥ 1.7×)`);
    console.log('  (each worker posts at most 1 message a second per channel, so in one channel that limit dominates)');
    return { ratio };
  } finally {
    await bot.stop();
    await world.close();
  }
}
