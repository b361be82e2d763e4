import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tuningConfigSchema } from '../../src/config/tuning-config.js';
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
import { type PrivatePostgres, startPrivatePostgres } from '../support/private-postgres.js';
import { waitUntil } from '../support/services.js';

/**
 * `tune db` through the bot against a PostgreSQL of the test's own: ALTER SYSTEM rewrites the server's
 * postgresql.auto.conf, which the shared server other tests and CI run on must never see.
 */

let pgServer: PrivatePostgres;
let world: World;
let bot: Bot;

interface Row {
  name: string;
  shown: string;
  pending_restart: boolean;
  source: string;
}

/** pg_settings as a fresh session sees it, read by the test itself. */
async function settings(names: string[]): Promise<Record<string, Row>> {
  const client = new pg.Client({ connectionString: pgServer.url });
  await client.connect();
  try {
    const { rows } = await client.query<Row>(
      'SELECT name, current_setting(name) AS shown, pending_restart, source FROM pg_settings WHERE name = ANY ($1)',
      [names],
    );
    return Object.fromEntries(rows.map((r) => [r.name, r]));
  } finally {
    await client.end();
  }
}

/** What postgresql.auto.conf holds now. */
async function autoConf(): Promise<string> {
  const client = new pg.Client({ connectionString: pgServer.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ v: string }>("SELECT pg_read_file('postgresql.auto.conf') AS v");
    return rows[0]?.v ?? '';
  } finally {
    await client.end();
  }
}

async function finalText(runId: string): Promise<{ message: string; thread: string }> {
  const final = await bot.finalMessage(runId, 60_000);
  return collectWithThread(world, runId, final.ts, final.blocks);
}

async function approvedRun(text: string): Promise<{ runId: string; plan: string }> {
  const runId = runIdOf(await bot.command(text, { user: people.operator }));
  const approval = await bot.approvalMessage(runId);
  const plan = JSON.stringify(world.slack.messages().get(slackMessageKey(channels.ops, approval.ts))?.blocks);
  return { runId, plan: `${plan}\n${approval.approvalId}` };
}

const names = ['shared_buffers', 'effective_cache_size', 'maintenance_work_mem', 'wal_buffers', 'random_page_cost'];

beforeAll(async () => {
  pgServer = await startPrivatePostgres();
  const admin = new pg.Client({ connectionString: pgServer.url });
  await admin.connect();
  // A role that may read settings but not ALTER SYSTEM: the staging environment connects as it.
  await admin.query("CREATE ROLE tuner LOGIN PASSWORD 'tuner-pw' IN ROLE pg_read_all_settings");
  await admin.end();
  world = await createWorld((cfg) => {
    production(cfg).database = { url: pgServer.url };
    const staging = cfg.services.thermaliq?.environments.staging;
    if (staging) {
      staging.database = { url: pgServer.urlFor('tuner', 'tuner-pw') };
      staging.tuning = tuningConfigSchema.parse({ db: { memory: '4GB' } });
    }
  });
  bot = await startBot(world);
}, 120_000);

afterAll(async () => {
  await bot?.stop();
  await world?.close();
  await pgServer?.close();
});

describe('tune db', () => {
  it('compares pg_settings with the guide sized to --memory, with a restart column, and changes nothing', async () => {
    const before = await autoConf();
    const now = await settings(names);
    const runId = runIdOf(await bot.command('tune db --memory 2GB', { user: people.viewer }));
    const out = await finalText(runId);
    expect(out.message).toMatch(/Database tuning of GL-009 THERMALIQ \(production\): \d+ of 11 settings differ/);
    // 2 GiB: shared_buffers 25 % = 512MB (needs a restart), effective_cache_size 75 % = 1536MB (does not).
    expect(out.thread).toContain(`✗ shared_buffers · ${now.shared_buffers?.shown} · 512MB · restart yes`);
    expect(out.thread).toContain(`✗ effective_cache_size · ${now.effective_cache_size?.shown} · 1536MB · restart no`);
    expect(out.thread).toContain('✗ maintenance_work_mem');
    expect(out.thread).toContain('128MB · restart no · 1/16 of memory');
    expect(out.thread).toContain('2 GiB, from --memory');
    // Without --memory the guide's own host is assumed, and the report says so.
    const guide = await finalText(runIdOf(await bot.command('tune db', { user: people.viewer })));
    expect(guide.thread).toContain("16 GiB: the guide's host");
    expect(guide.thread).toContain('· 4GB · restart yes');
    // The environment's tuning.db.memory, when there is no --memory.
    const configured = await finalText(runIdOf(await bot.command('tune db --env staging', { user: people.viewer })));
    expect(configured.thread).toContain('4 GiB, from services.thermaliq.environments.staging.tuning.db.memory');
    expect(configured.thread).toContain('· 1GB · restart yes · 25 % of memory');
    expect(await autoConf()).toBe(before);
  }, 120_000);

  it('--apply: the plan lists each change, an approver approves, ALTER SYSTEM takes effect or waits for a restart, and --rollback puts it all back', async () => {
    const before = await settings(names);
    const confBefore = await autoConf();
    const { runId, plan } = await approvedRun('tune db --apply --memory 2GB');
    expect(plan).toContain(`shared_buffers: ${before.shared_buffers?.shown} → 512MB`);
    expect(plan).toContain(`effective_cache_size: ${before.effective_cache_size?.shown} → 1536MB`);
    expect(plan).toContain('take effect only after a restart');
    expect(plan).toContain(`tune db --rollback ${runId}`);
    // Nothing changes before the approval.
    expect(await autoConf()).toBe(confBefore);

    const approval = await bot.approvalMessage(runId);
    await bot.click('approval_approve', approval.approvalId, { user: people.approver });
    const out = await finalText(runId);
    const after = await settings(names);
    expect(after.effective_cache_size).toMatchObject({ shown: '1536MB', pending_restart: false });
    expect(after.maintenance_work_mem).toMatchObject({ shown: '128MB', pending_restart: false });
    expect(after.random_page_cost?.shown).toBe('1.1');
    // shared_buffers is written but runs with its old value until a restart.
    expect(after.shared_buffers).toMatchObject({ shown: before.shared_buffers?.shown, pending_restart: true });
    expect(await autoConf()).toContain("shared_buffers = '512MB'");
    expect(out.message).toMatch(
      /Applied \d+ settings on GL-009 THERMALIQ \(production\): \d+ took effect, 2 wait for a restart/,
    );
    expect(out.message).toContain(`roll back with /thermaliq tune db --rollback ${runId}`);
    expect(out.message).toContain('took effect: pg_settings shows 1536MB');
    expect(out.message).toContain('waits for a restart (pending_restart)');
    expect(out.thread).toContain('ALTER SYSTEM RESET effective_cache_size;');
    expect(out.thread).toContain('SELECT pg_reload_conf();');

    const back = await approvedRun(`tune db --rollback ${runId}`);
    expect(back.plan).toContain('effective_cache_size: 1536MB → ');
    const rbApproval = await bot.approvalMessage(back.runId);
    await bot.click('approval_approve', rbApproval.approvalId, { user: people.approver2 });
    const rolled = await finalText(back.runId);
    expect(rolled.message).toMatch(new RegExp(`Rolled back ${runId}: \\d+ settings`));
    const restored = await settings(names);
    for (const n of names) {
      expect({ n, shown: restored[n]?.shown, source: restored[n]?.source }).toEqual({
        n,
        shown: before[n]?.shown,
        source: before[n]?.source,
      });
    }
    // shared_buffers comes back from postgresql.conf: nothing pending. wal_buffers was the built-in default, and
    // PostgreSQL flags a server-start setting reset to its default as pending until the next restart; the report
    // says both.
    expect(restored.shared_buffers?.pending_restart).toBe(false);
    expect(restored.wal_buffers?.pending_restart).toBe(true);
    expect(rolled.message).toContain(
      'wal_buffers* — took effect: pg_settings shows 4MB; PostgreSQL flags pending_restart',
    );
    expect(await autoConf()).toBe(confBefore);

    // The record went with the rollback: a second rollback of the same run is refused.
    const again = runIdOf(await bot.command(`tune db --rollback ${runId}`, { user: people.operator }));
    await waitUntil(
      () =>
        JSON.stringify(world.slack.calls).includes(`No tune db --apply run ${runId} left its old values`)
          ? true
          : undefined,
      { timeoutMs: 15_000, description: 'the refused rollback' },
    );
    expect(await bot.query('SELECT 1 FROM approvals WHERE run_id = $1', [again])).toEqual([]);
  }, 120_000);

  it('--apply as a role without ALTER SYSTEM fails with PostgreSQL’s reason and changes nothing', async () => {
    const confBefore = await autoConf();
    const runId = runIdOf(await bot.command('tune db --apply --memory 2GB --env staging', { user: people.operator }));
    const approval = await bot.approvalMessage(runId);
    await bot.click('approval_approve', approval.approvalId, { user: people.approver });
    const final = await bot.finalMessage(runId, 60_000);
    expect(JSON.stringify(final.blocks)).toMatch(/permission denied|must be superuser/);
    expect(await autoConf()).toBe(confBefore);
  }, 120_000);

  it('refuses bad input with the reason, before anything runs', async () => {
    const runs = await runCount(bot);
    const cases: [string, string][] = [
      ['tune db --memory lots', 'a memory size from 256MB to 4TB'],
      ['tune db --memory 100MB', 'a memory size from 256MB to 4TB'],
      ['tune db --memory 9TB', 'a memory size from 256MB to 4TB'],
      ['tune db --rollback 42', 'the id of the tune db --apply run to undo'],
      ["tune db --rollback 'r-1; DROP'", 'the id of the tune db --apply run to undo'],
      ['tune db --apply --rollback r-0123456789', '--apply and --rollback cannot be combined'],
      ['tune db --rollback r-0123456789 --memory 8GB', '--memory has no meaning with --rollback'],
      ['tune db --apply=yes', '--apply takes no value'],
      ['tune db now', 'now'],
    ];
    const before = await autoConf();
    for (const [text, reason] of cases) {
      expect({ text, reply: await replyText(bot, text, people.operator) }).toEqual({
        text,
        reply: expect.stringContaining(reason),
      });
    }
    expect(await replyText(bot, 'tune db --apply', people.viewer)).toContain('needs the operator role');
    expect(await runCount(bot)).toBe(runs);
    expect(await autoConf()).toBe(before);
  });
});
