import { spawnWorker, type WorkerProcess } from '../test/helpers/spawn-worker.js';
import { type Bot, createWorld, startBot, type World } from '../test/helpers/world.js';
import { startPodsRuns, waitReported } from './runs.js';
import { describeViolations, loadAverage, watchEventLoop } from './stats.js';

const runsPerRound = 48;
const channelIds = ['CTHRU0001', 'CTHRU0002', 'CTHRU0003', 'CTHRU0004'];
/** Total runs in flight, the same in both rounds: 1 worker × 4, or 2 workers × 2. */
const totalConcurrency = 4;
/** Every Kubernetes call waits this long: the runbook is I/O-bound, as real ones are. */
const kubeLatencyMs = 150;

interface Round {
  seconds: number;
  posts: number;
  violations: string;
}

async function round(world: World, bot: Bot, workers: number): Promise<Round> {
  const procs: WorkerProcess[] = [];
  try {
    const concurrency = String(totalConcurrency / workers);
    for (let i = 0; i < workers; i++) {
      procs.push(await spawnWorker(world, { WORKER_CONCURRENCY: concurrency, LOG_LEVEL: 'info' }));
    }
    const callsBefore = world.slack.calls.length;
    const violationsBefore = world.slack.violations().length;
    const started = performance.now();
    const ids = await startPodsRuns(bot, channelIds, runsPerRound);
    await waitReported(bot, ids, 300_000);
    const seconds = (performance.now() - started) / 1000;
    const posts = world.slack.calls
      .slice(callsBefore)
      .filter((c) => c.method === 'chat.postMessage' && c.ok && channelIds.includes(String(c.body.channel))).length;
    return { seconds, posts, violations: describeViolations(world.slack.violations().slice(violationsBefore)) };
  } finally {
    for (const p of procs) await p.kill();
  }
}

/**
 * Runs per second at the same total concurrency (4 runs in flight) with one worker process and with two, for an
 * I/O-bound runbook spread over 4 channels, against a Slack stand-in that enforces 1 post a second per channel. Each
 * figure is set against what those channels allow: 4 posts a second ÷ the posts a run makes.
 */
export async function benchWorkerThroughput(): Promise<{ ratio: number; ofLimit: number }> {
  const world = await createWorld((cfg) => {
    cfg.channels.allowed.push(...channelIds);
  });
  world.kube.latencyMs = kubeLatencyMs;
  world.slack.enforceRateLimits();
  const bot = await startBot(world, { role: 'bot', paceAsDeployed: true });
  const loop = watchEventLoop();
  try {
    console.log(
      `worker throughput: ${runsPerRound} 'pods' runs over ${channelIds.length} channels, ${totalConcurrency} in flight in total, ${kubeLatencyMs} ms per Kubernetes call (${loadAverage()})`,
    );
    const rows: [string, Round][] = [
      ['1 worker × 4', await round(world, bot, 1)],
      ['2 workers × 2', await round(world, bot, 2)],
    ];
    const fractions: number[] = [];
    for (const [name, r] of rows) {
      const perSecond = runsPerRound / r.seconds;
      // Slack allows one post a second per channel; a run makes posts/runs of them.
      const limit = channelIds.length / (r.posts / runsPerRound);
      fractions.push(perSecond / limit);
      console.log(
        `  ${name.padEnd(14)} ${r.seconds.toFixed(1).padStart(6)} s  ${perSecond.toFixed(2)} runs/s; the channels allow ${limit.toFixed(2)} runs/s (${(r.posts / runsPerRound).toFixed(1)} posts a run) → ${((perSecond / limit) * 100).toFixed(0)} % of the limit; ${r.violations}`,
      );
    }
    const [one, two] = rows.map(([, r]) => r.seconds) as [number, number];
    const ratio = one / two;
    const ofLimit = Math.min(...fractions);
    console.log(
      `  ratio 2 workers / 1 worker at equal concurrency: ${ratio.toFixed(2)}× (scaling out loses nothing: ≈ 1); lowest share of the limit ${(ofLimit * 100).toFixed(0)} %; ${loop.worstStall()}  (${loadAverage()})`,
    );
    return { ratio, ofLimit };
  } finally {
    await bot.stop();
    await world.close();
  }
}
