import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type Bot, createWorld, people, startBot, type World } from '../helpers/world.js';
import { execSql, queryValue, seedDeadTuples, seedUnusedIndex, tableStats } from './seed-db.js';
import { runToEnd } from './slack-output.js';

describe('read-only database runbooks through /thermaliq', () => {
  let world: World;
  let bot: Bot;
  beforeAll(async () => {
    world = await createWorld();
    await seedDeadTuples(world.target.url, 'readings', 2000);
    await seedUnusedIndex(world.target.url, 'lookups');
    await execSql(world.target.url, [
      'CREATE TABLE events (at date NOT NULL) PARTITION BY RANGE (at)',
      "CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')",
    ]);
    bot = await startBot(world);
  });
  afterAll(async () => {
    await bot?.stop();
    await world?.close();
  });

  it('db stats: the table with dead tuples past the autovacuum trigger, with its ratio and last vacuum times', async () => {
    const out = await runToEnd(bot, world, 'db stats', people.viewer);
    expect(out.message).toContain(':large_yellow_circle: db stats');
    expect(out.message).toContain('Tables past the autovacuum trigger');
    expect(out.message).toMatch(/public\.readings.*2,000 dead \(50 %\)/);
    expect(out.message).toContain('run db vacuum on public.readings');
    expect(out.message).toMatch(/Connections \(server\).*threshold &gt; 80 % warns/);
    expect(out.thread).toMatch(/public\.readings · live 2,000 · dead 2,000 \(50 %\) · vacuum never · autovacuum never/);
    expect(out.thread).toContain('Connections on this database by state');
    // Reading changed nothing.
    expect((await tableStats(world.target.url, 'readings')).n_dead_tup).toBeGreaterThanOrEqual(2000);
  });

  it('db indexes: the sequentially scanned table and its unused index with its size; primary keys left out', async () => {
    const out = await runToEnd(bot, world, 'db indexes', people.viewer);
    expect(out.message).toContain('Tables with heavy sequential scans');
    // 101 scans of 200 rows, plus the scans of the INSERT and CREATE INDEX.
    expect(out.message).toMatch(/public\.lookups\* — _warn_ \(`10\d seq scans, 20,\d{3} rows read, 0 index scans`\)/);
    expect(out.message).toMatch(/public\.lookups_code_idx on lookups.*\d+(\.\d+)? KiB/);
    expect(out.message).not.toContain('lookups_pkey');
    expect(out.thread).toMatch(/public\.lookups · seq_scan 10\d · .* · matches THERMALIQ`/);
    expect(out.thread).toContain('drop with: DROP INDEX CONCURRENTLY public.lookups_code_idx;');
  });

  it('db settings: each autovacuum setting against the guide, and the table with autovacuum disabled', async () => {
    const out = await runToEnd(bot, world, 'db settings', people.viewer);
    const shown = await queryValue(world.target.url, "SELECT current_setting('autovacuum_vacuum_scale_factor') AS v");
    expect(out.message).toMatch(
      new RegExp(`autovacuum_vacuum_scale_factor.*\`${shown}\`, threshold recommended 0\\.1`),
    );
    expect(out.message).toMatch(/autovacuum_analyze_scale_factor.*threshold recommended 0\.05/);
    expect(out.message).toMatch(/Tables with autovacuum disabled.*public\.readings/);
    expect(out.thread).toContain('public.readings: autovacuum_enabled=false');
    expect(out.thread).toContain('shared_buffers');
  });

  it('db slow-queries: says pg_stat_statements is missing and how to enable it', async () => {
    const out = await runToEnd(bot, world, 'db slow-queries', people.viewer);
    expect(out.message).toContain('pg_stat_statements is not installed in 127.0.0.1:5432/');
    expect(out.thread).toContain('shared_preload_libraries');
    expect(out.thread).toContain('CREATE EXTENSION IF NOT EXISTS pg_stat_statements;');
  });

  it('db partitions: pg_partman is not installed, and the native partitioned table is listed', async () => {
    const out = await runToEnd(bot, world, 'db partitions', people.viewer);
    expect(out.message).toContain('pg_partman is not installed in 127.0.0.1:5432/');
    expect(out.thread).toContain('public.events · 1 partition');
    const ran = await runToEnd(bot, world, 'db partitions run', people.operator);
    expect(ran.message).toContain('pg_partman is not installed');
    const [run] = await bot.query<{ risk: string }>('SELECT risk FROM runs WHERE id = $1', [ran.runId]);
    expect(run?.risk).toBe('change');
  });
});
