import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, LogLevel } from '@slack/bolt';

/**
 * The ack benchmark's baseline, in its own process: a bare Bolt app (HTTP receiver, signature verification) whose
 * `/thermaliq` listener only acks. Prints `{"port": N}` once listening.
 */
const [secret = '', apiUrl = ''] = process.argv.slice(2);
const app = new App({
  token: 'xoxb-bare',
  signingSecret: secret,
  logLevel: LogLevel.ERROR,
  clientOptions: { slackApiUrl: apiUrl },
  deferInitialization: true,
});
app.command('/thermaliq', async ({ ack }) => {
  await ack({ response_type: 'ephemeral', text: 'ok' });
});
await app.init();
const server = (await app.start({ port: 0, host: '127.0.0.1' })) as Server;
process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
process.on('SIGTERM', () => {
  void app.stop().then(() => process.exit(0));
});
