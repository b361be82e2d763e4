import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Bot,
  botEnv,
  captureLog,
  createWorld,
  people,
  production,
  runIdOf,
  startBot,
  type World,
} from '../helpers/world.js';

const dbPassword = 'Db-Pa55word-never-logged';
const s3Secret = 'S3-secret-key-never-logged';
const kubeToken = 'kube-token-never-logged';

describe('secrets never reach the logs or Slack', () => {
  let world: World;
  let bot: Bot;
  const log = captureLog();
  beforeAll(async () => {
    world = await createWorld((cfg) => {
      const prod = production(cfg);
      // Local PostgreSQL trusts 127.0.0.1, so the password is accepted and ignored; s3rver does not check secrets.
      if (prod.database?.url) prod.database.url = prod.database.url.replace('postgres@', `postgres:${dbPassword}@`);
      if (prod.backups) prod.backups.secretAccessKey = s3Secret;
      if (prod.kubernetes?.cluster) prod.kubernetes.cluster.token = kubeToken;
    });
    bot = await startBot(world, { logTo: log.stream });
  });
  afterAll(async () => {
    await bot?.stop();
    await world?.close();
  });

  it('keeps tokens, passwords and connection strings out of every log line and Slack payload of full runs', async () => {
    const env = botEnv(world);
    const secrets = [dbPassword, s3Secret, kubeToken, env.SLACK_BOT_TOKEN ?? 'x', env.SLACK_SIGNING_SECRET ?? 'x'];
    await bot.finalMessage(runIdOf(await bot.command('health', { user: people.viewer })));
    await bot.finalMessage(runIdOf(await bot.command('backup now', { user: people.operator })));
    // A failure path too: the database goes away under a run and its error is logged and reported.
    world.kube.failWith(/.*/, 500);
    await bot.finalMessage(runIdOf(await bot.command('pods', { user: people.viewer })));
    world.kube.clearFaults();

    expect(log.text().length).toBeGreaterThan(1000);
    expect(log.text()).toContain('"runId"');
    // The bot token may authenticate a call (a `token` field); it must never be in what a call carries to people.
    const payloads = JSON.stringify(
      world.slack.calls.map((c) => Object.fromEntries(Object.entries(c.body).filter(([k]) => k !== 'token'))),
    );
    for (const secret of secrets) {
      expect(log.text().includes(secret), `log contains ${secret.slice(0, 6)}…`).toBe(false);
      expect(payloads.includes(secret), `Slack payload contains ${secret.slice(0, 6)}…`).toBe(false);
    }
  });
});
