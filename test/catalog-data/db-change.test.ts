import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type Bot, channels, createWorld, people, runIdOf, startBot, type World } from '../helpers/world.js';
import { slackMessageKey } from '../support/fake-slack.js';
import { waitUntil } from '../support/services.js';
import { execSql, queryValue, seedDeadTuples, tableStats } from './seed-db.js';
import { collect, replyText, runCount, runToEnd } from './slack-output.js';

describe('changing database runbooks through /thermaliq', () => {
  let world: World;
  let bot: Bot;
  beforeAll(async () => {
    world = await createWorld();
    await Promise.all([
      seedDeadTuples(world.target.url, 'stale_stats', 500),
      seedDeadTuples(world.target.url, 'bloated', 2000),
      seedDeadTuples(world.target.url, 'rewrite_me', 3000),
    ]);
    await execSql(world.target.url, [
      // No autovacuum anywhere in this database: its snapshot would keep dead rows alive through a VACUUM FULL.
      'CREATE TABLE indexed (id int PRIMARY KEY, code text NOT NULL) WITH (autovacuum_enabled = false)',
      "INSERT INTO indexed SELECT g, 'c' || g FROM generate_series(1, 1000) g",
      'CREATE INDEX indexed_code_idx ON indexed (code)',
    ]);
    bot = await startBot(world);
  });
  afterAll(async () => {
    await bot?.stop();
    await world?.close();
  });

  it('db analyze <table>: ANALYZE runs and pg_stat_user_tables shows it', async () => {
    const before = await tableStats(world.target.url, 'stale_stats');
    expect(before.last_analyze).toBeNull();
    const out = await runToEnd(bot, world, 'db analyze public.stale_stats', people.operator);
    expect(out.message).toContain('ANALYZE VERBOSE \\"public\\".\\"stale_stats\\"');
    expect(out.message).toMatch(/public\.stale_stats.*analyze_count 0 → 1/);
    expect(out.thread).toMatch(/analyzing \\"public\.stale_stats\\"/);
    const after = await tableStats(world.target.url, 'stale_stats');
    expect(after.analyze_count).toBe(before.analyze_count + 1);
    expect(after.last_analyze).not.toBeNull();
  });

  it('db vacuum <table>: VACUUM (VERBOSE, ANALYZE) removes the dead tuples, with the VERBOSE output in the thread', async () => {
    expect((await tableStats(world.target.url, 'bloated')).n_dead_tup).toBeGreaterThanOrEqual(2000);
    const out = await runToEnd(bot, world, 'db vacuum bloated', people.operator);
    expect(out.message).toContain(':large_green_circle:');
    expect(out.message).toContain('VACUUM (VERBOSE, ANALYZE) \\"public\\".\\"bloated\\"');
    expect(out.message).toMatch(/dead tuples 2,000 → 0/);
    expect(out.thread).toMatch(/vacuuming \\"[a-z0-9_]+\.public\.bloated\\"/);
    const after = await tableStats(world.target.url, 'bloated');
    expect(after.n_dead_tup).toBe(0);
    expect(after.vacuum_count).toBe(1);
    expect(after.last_vacuum).not.toBeNull();
  });

  it('db reindex <table>: REINDEX TABLE CONCURRENTLY rebuilds every index of the table', async () => {
    const fileOf = (index: string) =>
      queryValue(world.target.url, `SELECT pg_relation_filenode('${index}')::text AS v`);
    const before = [await fileOf('indexed_pkey'), await fileOf('indexed_code_idx')];
    const out = await runToEnd(bot, world, 'db reindex indexed', people.operator);
    expect(out.message).toContain('REINDEX (VERBOSE) TABLE CONCURRENTLY \\"public\\".\\"indexed\\"');
    expect(out.message).toMatch(/public\.indexed_code_idx on indexed.*KiB → .*KiB/);
    const after = [await fileOf('indexed_pkey'), await fileOf('indexed_code_idx')];
    expect(after[0]).not.toBe(before[0]);
    expect(after[1]).not.toBe(before[1]);
  });

  it('db vacuum-full <table>: the plan shows the size, an approver approves, and the table is rewritten smaller', async () => {
    await execSql(world.target.url, ['DELETE FROM rewrite_me WHERE id % 10 <> 0']);
    const sizeOf = () => queryValue(world.target.url, "SELECT pg_total_relation_size('rewrite_me')::text AS v");
    const fileBefore = await queryValue(world.target.url, "SELECT pg_relation_filenode('rewrite_me')::text AS v");
    const sizeBefore = Number(await sizeOf());

    const reply = await bot.command('db vacuum-full public.rewrite_me', { user: people.operator });
    const runId = runIdOf(reply);
    const approval = await bot.approvalMessage(runId);
    const plan = JSON.stringify(world.slack.messages().get(slackMessageKey(channels.ops, approval.ts))?.blocks);
    expect(plan).toContain('VACUUM FULL 1 table ');
    expect(plan).toMatch(/public\.rewrite_me · [\d.]+ [KM]iB · 300 live, 5,700 dead tuples/);
    expect(plan).toContain('ACCESS EXCLUSIVE');
    // Nothing happens before approval.
    expect(await queryValue(world.target.url, "SELECT pg_relation_filenode('rewrite_me')::text AS v")).toBe(fileBefore);

    await bot.click('approval_approve', approval.approvalId, { user: people.approver });
    const final = await bot.finalMessage(runId, 60_000);
    const out = collect(world, runId, final.ts, final.blocks);
    expect(out.message).toMatch(/VACUUM FULL on GL-009 THERMALIQ \(production\): 1 of 1 table rewritten/);
    expect(out.message).toMatch(/public\.rewrite_me.*[\d.]+ [KM]iB → [\d.]+ [KM]iB in /);
    expect(await queryValue(world.target.url, "SELECT pg_relation_filenode('rewrite_me')::text AS v")).not.toBe(
      fileBefore,
    );
    expect(Number(await sizeOf())).toBeLessThan(sizeBefore / 2);
  });

  // Last: a database-wide VACUUM also analyzes and vacuums the tables the tests above look at.
  it('db vacuum without a table: the whole database, and its long VERBOSE output becomes a file in the thread', async () => {
    await execSql(world.target.url, ['UPDATE stale_stats SET value = value + 1']);
    const out = await runToEnd(bot, world, 'db vacuum', people.operator);
    expect(out.message).toMatch(/VACUUM \(VERBOSE, ANALYZE\) on GL-009 THERMALIQ \(production\) finished in/);
    expect(out.message).toMatch(/public\.stale_stats.*dead tuples 1,000 → 0/);
    expect((await tableStats(world.target.url, 'stale_stats')).n_dead_tup).toBe(0);
    await waitUntil(() => world.slack.uploads().some((u) => u.bytes.toString('utf8').includes('VERBOSE output')), {
      description: 'the detail uploaded as a file',
    });
    const file = world.slack.uploads().find((u) => u.bytes.toString('utf8').includes('VERBOSE output'));
    expect(file?.bytes.toString('utf8')).toMatch(/VERBOSE output \(first 200 of \d+ lines\)/);
    expect(file?.bytes.toString('utf8')).toContain('vacuuming "');
  });

  it('refuses injection, names that do not exist and malformed names, with a reason, and enqueues nothing', async () => {
    const before = await runCount(bot);
    const injection = await replyText(bot, 'db vacuum "x; DROP TABLE bloated"', people.operator);
    expect(injection).toContain('<schema.table> must be a table name, table or schema.table');
    expect(injection).toContain('Example: `/thermaliq db vacuum energy_readings`');
    const missing = await replyText(bot, 'db vacuum no_such_table', people.operator);
    expect(missing).toContain('There is no table no_such_table in 127.0.0.1:5432/');
    const otherSchema = await replyText(bot, 'db analyze audit.bloated', people.operator);
    expect(otherSchema).toContain('There is no table audit.bloated');
    const threeParts = await replyText(bot, 'db vacuum-full a.b.c', people.operator);
    expect(threeParts).toContain('<schema.table> must be a table name');
    const quoted = await replyText(bot, "db reindex 'bloated\"'", people.operator);
    expect(quoted).toContain('<schema.table> must be a table name');
    const catalog = await replyText(bot, 'db vacuum-full pg_catalog.pg_class', people.operator);
    expect(catalog).toContain('There is no table pg_catalog.pg_class');
    const viewer = await replyText(bot, 'db vacuum bloated', people.viewer);
    expect(viewer).toContain('db vacuum needs the operator role');
    expect(await runCount(bot)).toBe(before);
    expect(await queryValue(world.target.url, "SELECT to_regclass('public.bloated')::text AS v")).toBe('bloated');
  });
});
