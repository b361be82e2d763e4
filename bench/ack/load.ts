import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { signSlackRequest, slashCommandBody } from '../../test/support/slack-signing.js';

/**
 * The ack benchmark's load generator, in its own process: fires `count` signed `/thermaliq health` commands at
 * `url` over keep-alive connections, `concurrency` at a time, and prints one JSON line with every latency (ms) and
 * the wall time. Requests are built and signed before the clock starts, so the generator spends its time on I/O.
 */
const [url = '', countArg = '2000', concurrencyArg = '50', secret = '', user = '', channel = ''] =
  process.argv.slice(2);
const count = Number(countArg);
const concurrency = Number(concurrencyArg);
const target = new URL(url);
const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
// Unique per process and request: the bot answers a repeated trigger_id from its dedupe path, which would flatter it.
const prefix = randomBytes(4).readUInt32BE();
const requests = Array.from({ length: count }, (_, i) => {
  const body = slashCommandBody({
    command: '/thermaliq',
    text: 'health',
    user_id: user,
    channel_id: channel,
    trigger_id: `${prefix}${i}.${1_000_000 + i}.${randomBytes(16).toString('hex')}`,
  });
  return { body, headers: { ...signSlackRequest(secret, body), 'content-length': String(Buffer.byteLength(body)) } };
});

function post(i: number): Promise<{ ms: number; status: number }> {
  const r = requests[i];
  if (!r) throw new Error(`no request ${i}`);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(
      { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: r.headers, agent },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ ms: performance.now() - started, status: res.statusCode ?? 0 }));
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error('request timed out after 10 s')));
    req.on('error', reject);
    req.end(r.body);
  });
}

async function main(): Promise<void> {
  const latencies: number[] = [];
  let failures = 0;
  let next = 0;
  const started = performance.now();
  const loop = async () => {
    while (next < count) {
      const i = next;
      next += 1;
      const { ms, status } = await post(i);
      latencies.push(ms);
      if (status !== 200) failures += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const wallMs = performance.now() - started;
  agent.destroy();
  process.stdout.write(`${JSON.stringify({ latencies, wallMs, failures })}\n`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
