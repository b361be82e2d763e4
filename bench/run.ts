import { benchAckLatency } from './ack-latency.js';
import { benchAlerts } from './alerts.js';
import { benchBotRss } from './bot-rss.js';
import { benchBurst } from './burst.js';
import { benchColdStart } from './cold-start.js';
import { benchHealthWallTime } from './health-wall-time.js';
import { benchRestore } from './restore.js';
import { benchWorkerRss } from './worker-rss.js';
import { benchWorkerThroughput } from './worker-throughput.js';

/** Runs every benchmark; each prints its ratio against a baseline measured in the same run. */
async function main(): Promise<void> {
  const only = process.argv[2];
  const benches: Record<string, () => Promise<unknown>> = {
    ack: benchAckLatency,
    health: benchHealthWallTime,
    throughput: benchWorkerThroughput,
    rss: benchBotRss,
    'worker-rss': benchWorkerRss,
    restore: benchRestore,
    burst: benchBurst,
    'cold-start': benchColdStart,
    alerts: benchAlerts,
  };
  for (const [name, bench] of Object.entries(benches)) {
    if (only && only !== name) continue;
    await bench();
    console.log('');
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
