import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App } from '@slack/bolt';
import { createWorld, people, startBot } from '../test/helpers/world.js';
import { signSlackRequest, slashCommandBody } from '../test/support/slack-signing.js';
import { ms, quantile } from './stats.js';

const total = 2000;
const concurrency = 50;
const rounds = 4;
const secret = 'test-signing-secret-0123456789';

/** Fires `count` signed /thermaliq health commands at `url`, `concurrency` at a time; returns each latency. */
async function fire(url: string, count: number): Promise<number[]> {
  const latencies: number[] = [];
  let next = 0;
  let failures = 0;
  const workerLoop = async () => {
    while (next < count) {
      next += 1;
      const body = slashCommandBody({
        command: '/thermaliq',
        text: 'health',
        user_id: people.viewer,
        channel_id: 'COPS0001',
      });
      const started = performance.now();
      const res = await fetch(url, { method: 'POST', headers: signSlackRequest(secret, body), body });
      await res.text();
      latencies.push(performance.now() - started);
      if (res.status !== 200) failures += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, workerLoop));
  if (failures > 0) throw new Error(`${failures} of ${count} requests were not acked with 200`);
  return latencies;
}

/** Ack latency of the bot (parse, authorize, persist, enqueue) against a bare Bolt app that only acks. */
export async function benchAckLatency(): Promise<{ p99Ratio: number }> {
  const world = await createWorld();
  const bot = await startBot(world, { role: 'bot' });
  const bare = new App({
    token: 'xoxb-bare',
    signingSecret: secret,
    clientOptions: { slackApiUrl: world.slack.url },
    deferInitialization: true,
  });
  bare.command('/thermaliq', async ({ ack }) => {
    await ack({ response_type: 'ephemeral', text: 'ok' });
  });
  await bare.init();
  const server = (await bare.start({ port: 0, host: '127.0.0.1' })) as Server;
  const bareUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
  try {
    // Warm both up (JIT, pools, connections) before measuring.
    await fire(bareUrl, 200);
    await fire(bot.url, 200);
    const ours: number[] = [];
    const baseline: number[] = [];
    // Alternate in rounds so machine noise hits both sides alike.
    for (let r = 0; r < rounds; r++) {
      baseline.push(...(await fire(bareUrl, total / rounds)));
      ours.push(...(await fire(bot.url, total / rounds)));
    }
    const row = (name: string, s: number[]) =>
      `  ${name.padEnd(10)} p50 ${ms(quantile(s, 0.5)).padStart(10)}   p99 ${ms(quantile(s, 0.99)).padStart(10)}`;
    const p50Ratio = quantile(ours, 0.5) / quantile(baseline, 0.5);
    const p99Ratio = quantile(ours, 0.99) / quantile(baseline, 0.99);
    console.log(`ack latency: ${total} signed /thermaliq health at concurrency ${concurrency}`);
    console.log(row('bare Bolt', baseline));
    console.log(row('bot', ours));
    console.log(`  ratio bot/bare: p50 ${p50Ratio.toFixed(2)}×, p99 ${p99Ratio.toFixed(2)}× (target p99 ≤ 1.5×)`);
    return { p99Ratio };
  } finally {
    await bare.stop();
    await bot.stop();
    await world.close();
  }
}
