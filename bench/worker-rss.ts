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
 * after 100 and after 500 `pods` runs over 20 channels, against a Slack stand-in that enforces its limits. The heap
 * after collection is what tells a leak from the allocator keeping pages; RSS is printed beside it.
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
    const after100 = await retained();
    await runs(400);
    const after500 = await retained();
    const heapGrowth = after500.heap / after100.heap - 1;
    const rssGrowth = after500.rss / after100.rss - 1;
    console.log(`  after 100 runs, collected   ${showRetained(after100)}`);
    console.log(`  after 500 runs, collected   ${showRetained(after500)}`);
    console.log(
      `  growth after collection: heap ${(heapGrowth * 100).toFixed(1)} % (a leak shows here), RSS ${(rssGrowth * 100).toFixed(1)} %; ${describeViolations(world.slack.violations())}; ${loop.worstStall()}  (${loadAverage()})`,
    );
    return { heapGrowth, rssGrowth };
  } finally {
    await worker.stop();
    await bot.stop();
    await world.close();
  }
}
