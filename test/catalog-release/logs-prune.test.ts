import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logsConfigSchema } from '../../src/config/logs-config.js';
import { replyText, runCount } from '../catalog-data/slack-output.js';
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
import { type FakeElasticsearch, startFakeElasticsearch } from '../support/fake-elasticsearch.js';
import { slackMessageKey } from '../support/fake-slack.js';
import { closedPort, uniquePrefix, waitUntil } from '../support/services.js';

/**
 * `logs prune` through the bot: S3 log objects in s3rver (aged with LastModified) and daily indices in a fake
 * Elasticsearch, deleted only after an approval, exactly as the plan listed them.
 */

const day = 86_400_000;
let world: World;
let bot: Bot;
let es: FakeElasticsearch;
const prefix = `${uniquePrefix('logs')}/production/`;

const dayName = (daysAgo: number) => new Date(Date.now() - daysAgo * day).toISOString().slice(0, 10).replace(/-/g, '.');

async function keysUnder(p: string): Promise<string[]> {
  const out = await world.s3.client.send(new ListObjectsV2Command({ Bucket: world.s3.bucket, Prefix: p }));
  return (out.Contents ?? []).flatMap((o) => (o.Key ? [o.Key] : [])).sort();
}

function planText(ts: string): string {
  const main = JSON.stringify(world.slack.messages().get(slackMessageKey(channels.ops, ts))?.blocks);
  const thread = world.slack
    .callsOf('chat.postMessage')
    .filter((c) => c.body.thread_ts === ts)
    .map((c) => JSON.stringify(c.body));
  const files = world.slack
    .uploads()
    .filter((u) => u.thread_ts === ts)
    .map((u) => u.bytes.toString('utf8'));
  return [main, ...thread, ...files].join('\n');
}

const aged: [string, number][] = [
  ['app-1.log.gz', 200],
  ['app-2.log.gz', 120],
  ['nested/app-3.log.gz', 91],
  ['app-4.log.gz', 89],
  ['app-5.log.gz', 0],
];

beforeAll(async () => {
  es = await startFakeElasticsearch();
  const deadPort = await closedPort();
  world = await createWorld((cfg) => {
    production(cfg).logs = logsConfigSchema.parse({
      s3: { bucket: 'thermaliq-backups', prefix },
      elasticsearch: { url: es.url, indexPrefix: 'vcci-logs-' },
    });
    const staging = cfg.services.thermaliq?.environments.staging;
    if (staging) {
      staging.logs = logsConfigSchema.parse({
        elasticsearch: { url: `http://127.0.0.1:${deadPort}`, indexPrefix: 'vcci-logs-' },
      });
    }
  });
  for (const [key, daysAgo] of aged) {
    await world.s3.putObject(world.s3.bucket, `${prefix}${key}`, `log line ${key}\n`);
    await world.s3.setLastModified(world.s3.bucket, `${prefix}${key}`, new Date(Date.now() - daysAgo * day));
  }
  // 160 daily indices: 70 older than 90 days (two DELETE batches of at most 50), 90 within; and two to keep by name.
  for (let d = 1; d <= 160; d++) es.addIndex(`vcci-logs-${dayName(d)}`, 1000 * d);
  es.addIndex('vcci-logs-archive', 5000);
  es.addIndex(`other-${dayName(300)}`, 10);
  bot = await startBot(world);
}, 60_000);

afterAll(async () => {
  await bot?.stop();
  await world?.close();
  await es?.close();
});

describe('logs prune', () => {
  it('--dry-run lists what would be deleted and kept, and deletes nothing', async () => {
    const runId = runIdOf(await bot.command('logs prune --dry-run', { user: people.operator }));
    await bot.runStatus(runId, 'succeeded', 30_000).catch(() => undefined);
    await waitUntil(
      () =>
        world.slack
          .callsOf('chat.postMessage')
          .some((c) => JSON.stringify(c.body).includes('Delete 3 S3 log objects and 70 Elasticsearch indices')),
      {
        timeoutMs: 30_000,
        description: 'the dry-run plan',
      },
    );
    expect(await keysUnder(prefix)).toHaveLength(5);
    expect(es.indices()).toHaveLength(162);
    expect(es.requests.filter((r) => r.method === 'DELETE')).toEqual([]);
  }, 60_000);

  it('after approval deletes exactly the objects and indices past 90 days, in batches, and keeps the rest', async () => {
    const runId = runIdOf(await bot.command('logs prune', { user: people.operator }));
    const approval = await bot.approvalMessage(runId);
    await waitUntil(() => (planText(approval.ts).includes('Elasticsearch: kept') ? true : undefined), {
      timeoutMs: 15_000,
      description: 'the plan with its lists',
    });
    const plan = planText(approval.ts);
    expect(plan).toContain('delete 3 objects');
    expect(plan).toContain('keep 2');
    expect(plan).toContain('delete 70 indices');
    expect(plan).toContain('keep 91');
    expect(plan).toContain(`${prefix}nested/app-3.log.gz`);
    expect(plan).toContain(`vcci-logs-${dayName(91)}`);
    expect(plan).toContain('vcci-logs-archive · 4.88 KiB · no date in its name');
    expect(await keysUnder(prefix)).toHaveLength(5);

    await bot.click('approval_approve', approval.approvalId, { user: people.approver });
    const final = await bot.finalMessage(runId, 60_000);
    expect(JSON.stringify(final.blocks)).toContain('3 S3 objects and 70 indices deleted');
    expect(await keysUnder(prefix)).toEqual([`${prefix}app-4.log.gz`, `${prefix}app-5.log.gz`]);
    // The world's backup beside the log prefix is untouched.
    expect((await keysUnder(world.backupPrefix)).length).toBe(1);
    const left = es.indices();
    expect(left).toHaveLength(92);
    expect(left).toContain('vcci-logs-archive');
    expect(left).toContain(`other-${dayName(300)}`);
    expect(left).toContain(`vcci-logs-${dayName(90)}`);
    expect(left).not.toContain(`vcci-logs-${dayName(91)}`);
    const deletes = es.requests.filter((r) => r.method === 'DELETE');
    expect(deletes).toHaveLength(2);
    expect(deletes.map((r) => decodeURIComponent(r.url).split(',').length)).toEqual([50, 20]);
  }, 90_000);

  it('with nothing past the retention, says so and asks nobody to approve anything', async () => {
    const runId = runIdOf(await bot.command('logs prune', { user: people.operator }));
    await waitUntil(
      () => (JSON.stringify(world.slack.calls).includes('Nothing is older than 90 days') ? true : undefined),
      { timeoutMs: 30_000, description: 'the refusal' },
    );
    expect(await bot.query('SELECT 1 FROM approvals WHERE run_id = $1', [runId])).toEqual([]);
  }, 60_000);

  it('an unreachable Elasticsearch fails the plan with the reason, and nothing is deleted', async () => {
    const runId = runIdOf(await bot.command('logs prune --env staging', { user: people.operator }));
    const said = await waitUntil(
      () =>
        world.slack
          .callsOf('chat.postMessage')
          .map((c) => String(c.body.text))
          .find((t) => t.startsWith('logs prune failed') && t.includes('Elasticsearch at 127.0.0.1')),
      { timeoutMs: 30_000, description: 'the failure' },
    );
    expect(said).toMatch(/ECONNREFUSED/);
    await bot.runStatus(runId, 'failed');
    expect(await bot.query('SELECT 1 FROM approvals WHERE run_id = $1', [runId])).toEqual([]);
  }, 60_000);

  it('refuses bad input with the reason, before anything runs', async () => {
    const runs = await runCount(bot);
    expect(await replyText(bot, 'logs prune everything', people.operator)).toContain('everything');
    expect(await replyText(bot, 'logs prune --retention 30', people.operator)).toContain('retention');
    expect(await replyText(bot, 'logs prune', people.viewer)).toContain('needs the operator role');
    expect(await runCount(bot)).toBe(runs);
  });
});
