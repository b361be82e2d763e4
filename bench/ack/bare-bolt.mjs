// The baseline of the ack and cold-start benchmarks, in its own process: a bare Bolt app (HTTP receiver, signature
// verification) whose `/thermaliq` listener only acks. Plain JavaScript run by node, as the bot's dist/ is, so
// neither side pays for a TypeScript loader. Prints `{"port": N}` once listening.
// Arguments: signing secret, Slack API URL, port (0: any free one).
import bolt from '@slack/bolt';

const [secret = '', apiUrl = '', portArg = '0'] = process.argv.slice(2);
const app = new bolt.App({
  token: 'xoxb-bare',
  signingSecret: secret,
  logLevel: bolt.LogLevel.ERROR,
  clientOptions: { slackApiUrl: apiUrl },
  deferInitialization: true,
});
app.command('/thermaliq', async ({ ack }) => {
  await ack({ response_type: 'ephemeral', text: 'ok' });
});
await app.init();
const server = await app.start({ port: Number(portArg), host: '127.0.0.1' });
process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
process.on('SIGTERM', () => {
  void app.stop().then(() => process.exit(0));
});
