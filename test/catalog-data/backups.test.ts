import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunbookContext } from '../../src/jobs/runbook.js';
import { dumpToS3 } from '../../src/jobs/runbooks/backup/dump-to-s3.js';
import { type Bot, createWorld, people, startBot, type World } from '../helpers/world.js';
import { runContext } from '../runbooks/run-context.js';
import { execSql, queryValue } from './seed-db.js';
import { runToEnd } from './slack-output.js';

describe('backup runbooks through /thermaliq', () => {
  let world: World;
  let bot: Bot;
  let ctx: RunbookContext;
  const hours = (h: number) => new Date(Date.now() - h * 3_600_000);

  /** Makes `key` the newest backup: every other object is aged to 2 h and older. */
  async function makeNewest(key: string): Promise<void> {
    const all = (await ctx.infra.backups?.listAll()) ?? [];
    let i = 0;
    for (const o of all) {
      if (o.key !== key) await world.s3.setLastModified(world.s3.bucket, o.key, hours(2 + i++ * 0.1));
    }
  }
  async function put(name: string, body: string | Uint8Array, age?: number): Promise<string> {
    const key = `${world.backupPrefix}${name}`;
    await world.s3.putObject(world.s3.bucket, key, body);
    if (age !== undefined) await world.s3.setLastModified(world.s3.bucket, key, hours(age));
    return key;
  }
  async function dump(name: string, format: 'plain' | 'custom'): Promise<string> {
    const backups = ctx.infra.backups;
    if (!backups) throw new Error('no backups in the test world');
    const key = `${world.backupPrefix}${name}`;
    await dumpToS3(backups, { databaseUrl: world.target.url, key, format, signal: AbortSignal.timeout(60_000) });
    await makeNewest(key);
    return key;
  }
  const scratchDatabases = () =>
    queryValue(
      world.target.url,
      `SELECT string_agg(datname, ',') AS v FROM pg_database WHERE datname LIKE '${world.target.name}_restore_test_%'`,
    );

  beforeAll(async () => {
    world = await createWorld();
    await execSql(world.target.url, [
      'CREATE TABLE tenants (id int PRIMARY KEY, name text NOT NULL)',
      "INSERT INTO tenants VALUES (1, 'acme'), (2, 'globex'), (3, 'initech')",
    ]);
    ctx = runContext(world, 'r-backups-setup');
    bot = await startBot(world);
  });
  afterAll(async () => {
    await bot?.stop();
    await ctx?.infra.close();
    await world?.close();
  });

  it('backups: the newest first with age and size, a pre-restore copy marked, and --limit', async () => {
    await put('thermaliq-20260101-020000.sql.gz', 'x'.repeat(2048), 50);
    await put('pre-restore/r-abc.sql.gz', 'y'.repeat(100), 3);
    await put('thermaliq-20260102-020000.sql.gz', 'z'.repeat(4096), 1);
    // The world's own 12-byte backup, made 4 h old.
    for (const o of (await ctx.infra.backups?.listAll()) ?? []) {
      if (/thermaliq-\d{13}\.sql\.gz$/.test(o.key)) await world.s3.setLastModified(world.s3.bucket, o.key, hours(4));
    }
    const out = await runToEnd(bot, world, 'backups', people.viewer);
    expect(out.message).toMatch(
      /4 backups under s3:\/\/thermaliq-backups\/thermaliq\/bk-[^/]+\/; newest 1 h old; showing the newest 4/,
    );
    const order = ['thermaliq-20260102-020000.sql.gz', 'pre-restore/r-abc.sql.gz', 'thermaliq-20260101-020000.sql.gz'];
    const at = order.map((k) => out.message.indexOf(`*${k}*`));
    expect(at.every((i) => i > 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(out.message).toMatch(
      /thermaliq-20260102-020000\.sql\.gz\* — _ok_ \(`1 h old · 4 KiB`, threshold &gt; 25 h fails\)/,
    );
    expect(out.message).toMatch(/pre-restore\/r-abc\.sql\.gz\* — pre-restore safety copy \(`3 h old · 100 B`\)/);
    expect(out.thread).toContain('thermaliq-20260101-020000.sql.gz · 2048 bytes · ');
    const limited = await runToEnd(bot, world, 'backups --limit 2', people.viewer);
    expect(limited.message).toContain('showing the newest 2');
    expect(limited.message).not.toContain('thermaliq-20260101-020000');
  });

  it('backup verify: a real gzipped pg_dump decompresses fully and ends with the dump trailer', async () => {
    const key = await dump('thermaliq-plain.sql.gz', 'plain');
    const out = await runToEnd(bot, world, 'backup verify', people.viewer);
    expect(out.message).toContain(`Newest backup of GL-009 THERMALIQ (production) verified: ${key}`);
    expect(out.message).toMatch(
      /\*Integrity\* — plain SQL, gzipped; read [\d.]+ (B|KiB) \(`gunzip ok, [\d.]+ KiB of SQL, dump complete`\)/,
    );
    expect(out.thread).toContain('trailer present');
  });

  it('backup verify: a custom-format archive lists with pg_restore --list', async () => {
    await dump('thermaliq.dump', 'custom');
    const out = await runToEnd(bot, world, 'backup verify', people.viewer);
    expect(out.message).toMatch(/\*Integrity\* — custom archive; .*pg_restore --list: \d+ entries/);
    expect(out.thread).toMatch(/TABLE public tenants/);
  });

  it('backup verify: a truncated gzip and a dump without its trailer fail, with the reason', async () => {
    const sql = `${'INSERT INTO t VALUES (1);\n'.repeat(5000)}--\n-- PostgreSQL database dump complete\n--\n`;
    const whole = gzipSync(Buffer.from(sql));
    const cut = await put('thermaliq-cut.sql.gz', whole.subarray(0, Math.floor(whole.length / 2)));
    await makeNewest(cut);
    const broken = await runToEnd(bot, world, 'backup verify', people.viewer);
    expect(broken.message).toContain(':red_circle:');
    expect(broken.message).toContain(`FAILED verification: ${cut}`);
    expect(broken.message).toContain('gzip does not decompress cleanly: unexpected end of file');

    const short = await put('thermaliq-short.sql.gz', gzipSync(Buffer.from('CREATE TABLE t (id int);\n')));
    await makeNewest(short);
    const incomplete = await runToEnd(bot, world, 'backup verify', people.viewer);
    expect(incomplete.message).toContain('does not end with pg_dump');
  });

  it('backup verify: the newest backup older than 25 h fails against the threshold', async () => {
    const all = (await ctx.infra.backups?.listAll()) ?? [];
    for (const o of all) await world.s3.setLastModified(world.s3.bucket, o.key, hours(30 + Math.random()));
    const out = await runToEnd(bot, world, 'backup verify', people.viewer);
    expect(out.message).toMatch(/\*Newest backup\* — .* \(`30(\.\d)? h old · [^`]+`, threshold &gt; 25 h fails\)/);
    expect(out.message).toContain(':red_circle:');
  });

  it('backup verify --restore-test: restores into a scratch database, verifies there, and drops it', async () => {
    const key = await dump('thermaliq-monthly.sql.gz', 'plain');
    const out = await runToEnd(bot, world, 'backup verify --restore-test', people.operator);
    expect(out.message).toContain(`verified: ${key}`);
    expect(out.message).toMatch(/Restore into [a-z0-9_]+_restore_test_r_[0-9a-f]+\* — _ok_ \(`restored in/);
    expect(out.message).toMatch(/Verify tenants\* — _ok_ \(`3`, threshold ≥ 1\)/);
    expect(out.message).toContain('*Scratch database dropped*');
    expect(out.thread).toContain('✓ tenants: SELECT count(*) FROM public.tenants = 3 (≥ 1)');
    expect(await scratchDatabases()).toBeNull();
    const [run] = await bot.query<{ risk: string }>('SELECT risk FROM runs WHERE id = $1', [out.runId]);
    expect(run?.risk).toBe('change');
  });

  it('backup verify --restore-test: a backup that fails verification is reported, and the scratch database is dropped', async () => {
    await execSql(world.target.url, ['ALTER TABLE tenants RENAME TO former_tenants']);
    try {
      await dump('thermaliq-no-tenants.dump', 'custom');
    } finally {
      await execSql(world.target.url, ['ALTER TABLE former_tenants RENAME TO tenants']);
    }
    const out = await runToEnd(bot, world, 'backup verify --restore-test', people.operator);
    expect(out.message).toContain('FAILED verification');
    expect(out.message).toMatch(/Verify tenants\* — .*relation \\"public\.tenants\\" does not exist/);
    expect(out.message).toContain('*Scratch database dropped*');
    expect(await scratchDatabases()).toBeNull();
  });
});
