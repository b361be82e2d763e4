import { Agent, request } from 'node:http';
import { payloadOf, scheduleOf } from './schedule.js';

/**
 * The alerts benchmark's load generator, in its own process: sends a round's Alertmanager notifications (payload
 * version 4, bearer token) to `url` at their scheduled times over keep-alive connections, as Alertmanager does, without
 * waiting for earlier answers (open loop: a slow answer does not slow the schedule). Prints one JSON line: the
 * round's start (epoch ms, `startedAt`) and, for each notification, when it was sent (ms from the start), its latency and status.
 * Arguments: url, bearer token, round tag, groups.
 */
const [url = '', token = '', round = 'r', groupsArg = '100'] = process.argv.slice(2);
const target = new URL(url);
// Alertmanager notifies groups in parallel; its HTTP client keeps connections alive.
const agent = new Agent({ keepAlive: true, maxSockets: 32 });
const schedule = scheduleOf(Number(groupsArg));
const requestTimeoutMs = 10_000;

interface Sent {
  group: number;
  index: number;
  sentMs: number;
  ms: number;
  status: number;
}

function post(body: string, started: number): Promise<{ ms: number; status: number }> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          authorization: `Bearer ${token}`,
          'user-agent': 'Alertmanager/0.28.1',
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ ms: performance.now() - started, status: res.statusCode ?? 0 }));
      },
    );
    // Alertmanager's webhook timeout; a request that times out or fails counts as status 0.
    req.setTimeout(requestTimeoutMs, () => req.destroy(new Error('timed out')));
    req.on('error', () => resolve({ ms: performance.now() - started, status: 0 }));
    req.end(body);
  });
}

async function main(): Promise<void> {
  // Bodies are built before the clock starts, with the start they name, so the generator spends its time on I/O.
  const originMs = Date.now() + 300;
  const bodies = schedule.map((n) => payloadOf(round, n, originMs));
  await new Promise((resolve) => setTimeout(resolve, originMs - Date.now()));
  const startedAt = Date.now();
  const origin = performance.now();
  const sent = await Promise.all(
    schedule.map(
      (n, i) =>
        new Promise<Sent>((resolve) => {
          setTimeout(
            () => {
              const started = performance.now();
              const body = bodies[i] ?? '';
              void post(body, started).then(({ ms, status }) =>
                resolve({ group: n.group, index: n.index, sentMs: started - origin, ms, status }),
              );
            },
            Math.max(0, n.atMs - (performance.now() - origin)),
          );
        }),
    ),
  );
  agent.destroy();
  process.stdout.write(`${JSON.stringify({ startedAt, sent })}\n`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
