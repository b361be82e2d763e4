import { z } from 'zod';
import { createWorld, startBot } from '../test/helpers/world.js';
import { waitUntil } from '../test/support/services.js';
import { showRetained } from './bot-rss.js';
import { startBotProcess } from './processes.js';
import { startPodsRuns, waitReported } from './runs.js';
import { describeViolations, loadAverage, watchEventLoop } from './stats.js';

const channelIds = Array.from({ length: 20 }, (_, i) => `CMEM${String(i).padStart(5, '0')}`);
const mib = 1024 * 1024;
const retainedSchema = z.object({ rss: z.number(), heapUsed: z.number(), heapTotal: z.number(), external: z.number() });

/**
 * Memory a worker process (the runbooks and the outbox that posts their messages) keeps after full collections,
 * after 100 `pods` runs over 20 channels and then after each further 200 up to 900, against a Slack stand-in that
 * enforces its limits. The heap after collection tells a leak (it climbs round after round) from the allocator
 * keeping pages (RSS rises, then holds): RSS is compared over the second half, where it should have reached its
 * plateau.
 */
export async function benchWorkerRss(): Promise<{ heapGrowth: number; rssGrowth: number }> {
  const world = await createWorld((cfg) => {
    cfg.channels.allowed.push(...channelIds);
  });
  world.slack.enforceRateLimits();
  const bot = await startBot(world, { role: 'bot', paceAsDeployed: true });
  const loop = watchEventLoop();
  const worker = await startBotProcess(world, 'worker', {
    NODE_OPTIONS: '--expose-gc --import ./bench/gc-on-signal.mjs',
    WORKER_CONCURRENCY: '8',
  });
  try {
    let started = 0;
    const runs = async (count: number) => {
      const ids = await startPodsRuns(bot, channelIds, count, started);
      started += count;
      await waitReported(bot, ids, 600_000);
    };
    const retained = async () => {
      const lines = () =>
        worker
          .output()
          .split('\n')
          .filter((l) => l.includes('"benchGc":true'));
      const seen = lines().length;
      worker.child.kill('SIGUSR2');
      const line = await waitUntil(() => lines()[seen], { timeoutMs: 30_000, description: 'the worker to collect' });
      const m = retainedSchema.parse(JSON.parse(line));
      return { rss: m.rss / mib, heap: m.heapUsed / mib, heapTotal: m.heapTotal / mib, external: m.external / mib };
    };
    console.log(`worker memory: 'pods' runs over ${channelIds.length} channels, one worker process (${loadAverage()})`);
    await runs(100);
    const warm = await retained();
    const series: (Awaited<ReturnType<typeof retained>> & { runs: number })[] = [];
    for (let r = 0; r < 4; r++) {
      await runs(200);
      series.push({ runs: started, ...(await retained()) });
    }
    const half = series[1];
    const last = series.at(-1);
    if (!half || !last) throw new Error('a round of the worker memory bench is missing');
    const heapGrowth = last.heap / warm.heap - 1;
    const rssGrowth = last.rss / half.rss - 1;
    console.log(`  after 100 runs, collected   ${showRetained(warm)}`);
    for (const p of series) console.log(`  after ${p.runs} runs, collected   ${showRetained(p)}`);
    console.log(
      `  heap after collection, 100 → ${last.runs} runs: ${(heapGrowth * 100).toFixed(1)} % (a leak climbs here; target ≤ 5 %); RSS plateau ${half.runs} → ${last.runs} runs: ${(rssGrowth * 100).toFixed(1)} % (target ≤ 5 %); ${describeViolations(world.slack.violations())}; ${loop.worstStall()}  (${loadAverage()})`,
    );
    return { heapGrowth, rssGrowth };
  } finally {
    await worker.stop();
    await bot.stop();
    await world.close();
  }
}
