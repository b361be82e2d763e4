import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectWithThread, replyText, runCount } from '../catalog-data/slack-output.js';
import {
  type Bot,
  channels,
  createWorld,
  people,
  production,
  runIdOf,
  startBot,
  type World,
} from '../helpers/world.js';
import { slackMessageKey } from '../support/fake-slack.js';
import { type PrivateRedis, startPrivateRedis } from '../support/private-redis.js';

/**
 * `tune cache` through the bot against Redis servers of the test's own (CONFIG SET is server-wide; the shared Redis
 * carries every other test's queue): production's was started with flags only, so it refuses CONFIG REWRITE;
 * staging's has a config file, which CONFIG REWRITE writes.
 */

const guide = {
  'maxmemory-policy': 'allkeys-lru',
  'maxmemory-samples': '10',
  'lazyfree-lazy-eviction': 'yes',
  'lazyfree-lazy-expire': 'yes',
};
let prod: PrivateRedis;
let staging: PrivateRedis;
let world: World;
let bot: Bot;

async function configOf(url: string): Promise<Record<string, string>> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 });
  await redis.connect();
  try {
    const out: Record<string, string> = {};
    for (const name of Object.keys(guide)) out[name] = (await redis.config('GET', name))[1] ?? '';
    return out;
  } finally {
    redis.disconnect();
  }
}

async function finalOf(runId: string) {
  const final = await bot.finalMessage(runId, 60_000);
  return collectWithThread(world, runId, final.ts, final.blocks);
}

beforeAll(async () => {
  [prod, staging] = await Promise.all([startPrivateRedis(), startPrivateRedis({ configFile: true })]);
  // A user that may not use CONFIG at all, as managed Redis services often set it up.
  const admin = new Redis(prod.url);
  await admin.call('ACL', 'SETUSER', 'app', 'on', '>app-pw', '~*', '+@all', '-config');
  admin.disconnect();
  world = await createWorld((cfg) => {
    production(cfg).cache = { url: prod.url, keyPrefix: '' };
    const env = cfg.services.thermaliq?.environments.staging;
    if (env) env.cache = { url: staging.url, keyPrefix: '' };
    const dev = cfg.services.thermaliq?.environments;
    if (dev && env) dev.dev = { ...env, cache: { url: `redis://app:app-pw@127.0.0.1:${prod.port}`, keyPrefix: '' } };
  });
  bot = await startBot(world);
}, 60_000);

afterAll(async () => {
  await bot?.stop();
  await world?.close();
  await Promise.allSettled([prod?.close(), staging?.close()]);
});

describe('tune cache', () => {
  it("compares CONFIG GET with the guide's settings and changes nothing", async () => {
    const before = await configOf(prod.url);
    const runId = runIdOf(await bot.command('tune cache', { user: people.viewer }));
    const out = await finalOf(runId);
    expect(out.message).toMatch(
      /Cache tuning of the cache of GL-009 THERMALIQ \(production\).*: 4 of 4 settings differ/,
    );
    expect(out.message).toContain(
      `*maxmemory-policy* — _warn_ (\`${before['maxmemory-policy']}\`, threshold recommended allkeys-lru)`,
    );
    expect(out.message).toContain('*maxmemory-samples* — _warn_ (`5`, threshold recommended 10)');
    expect(await configOf(prod.url)).toEqual(before);
  }, 90_000);

  it('--apply in production: approval first, then CONFIG SET; a Redis without a config file refuses REWRITE, which the report says', async () => {
    const before = await configOf(prod.url);
    const runId = runIdOf(await bot.command('tune cache --apply', { user: people.operator }));
    const approval = await bot.approvalMessage(runId);
    const plan = JSON.stringify(world.slack.messages().get(slackMessageKey(channels.ops, approval.ts))?.blocks);
    expect(plan).toContain(`maxmemory-policy: ${before['maxmemory-policy']} → allkeys-lru`);
    expect(plan).toContain('lazyfree-lazy-expire: no → yes');
    expect(await configOf(prod.url)).toEqual(before);

    await bot.click('approval_approve', approval.approvalId, { user: people.approver });
    const out = await finalOf(runId);
    expect(await configOf(prod.url)).toEqual(guide);
    expect(out.message).toContain('Set 4 of 4 cache settings');
    expect(out.message).toContain('CONFIG REWRITE refused, not persisted');
    expect(out.message).toMatch(/without a config file/);
    expect(out.message).toContain(`*maxmemory-policy* — _ok_ (\`${before['maxmemory-policy']} → allkeys-lru\`)`);
    expect(out.thread).toContain('maxmemory-samples · 5 · 10 · 10');
  }, 90_000);

  it('--apply in staging is a change without approval, and CONFIG REWRITE writes the config file', async () => {
    const runId = runIdOf(await bot.command('tune cache --apply --env staging', { user: people.operator }));
    const out = await finalOf(runId);
    expect(await bot.query('SELECT 1 FROM approvals WHERE run_id = $1', [runId])).toEqual([]);
    expect(out.message).toContain('persisted with CONFIG REWRITE');
    expect(await configOf(staging.url)).toEqual(guide);
    const file = readFileSync(staging.configFile ?? '', 'utf8');
    expect(file).toContain('maxmemory-policy allkeys-lru');
    expect(file).toContain('maxmemory-samples 10');
    expect(file).toContain('lazyfree-lazy-expire yes');
  }, 90_000);

  it("fails with Redis's reason when the configured user may not use CONFIG", async () => {
    const runId = runIdOf(await bot.command('tune cache --env dev', { user: people.viewer }));
    const final = await bot.finalMessage(runId, 60_000);
    expect(JSON.stringify(final.blocks)).toMatch(/NOPERM/);
  }, 90_000);

  it('refuses bad input with the reason, before anything runs', async () => {
    const runs = await runCount(bot);
    expect(await replyText(bot, 'tune cache --apply=yes', people.operator)).toContain('--apply takes no value');
    expect(await replyText(bot, 'tune cache now', people.operator)).toContain('now');
    expect(await replyText(bot, 'tune cache --memory 2GB', people.operator)).toContain('memory');
    expect(await replyText(bot, 'tune cache --apply', people.viewer)).toContain('needs the operator role');
    expect(await runCount(bot)).toBe(runs);
  });
});
