import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { PassThrough, Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTool } from '../../src/infra/child-tool.js';
import { databaseFacts, queryNumber } from '../../src/infra/pg-query.js';
import { dumpDatabase, restoreCustom, restorePlain } from '../../src/infra/pg-tools.js';
import { createTestDatabase, type TestDatabase, waitUntil } from '../support/services.js';

async function sql(url: string, q: string): Promise<pg.QueryResultRow[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(q)).rows;
  } finally {
    await client.end();
  }
}

/** This process's children running `comm`, from /proc (so the test sees what `ps` would show). */
function children(comm: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (name === comm && ppid === process.pid) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

const alive = (pid: number) => {
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
};

const tableSnapshot = async (url: string) =>
  JSON.stringify(await sql(url, 'SELECT id, label, payload FROM items ORDER BY id'));

describe('pg_dump, psql and pg_restore, streamed', () => {
  let source: TestDatabase;
  let target: TestDatabase;
  /** The source URL with a password the trust-authenticated server ignores, to see where it travels. */
  let sourceWithPassword: string;
  const password = 's3cr3t-Pa55word';

  beforeAll(async () => {
    [source, target] = await Promise.all([createTestDatabase('pgtools_src'), createTestDatabase('pgtools_dst')]);
    await sql(
      source.url,
      `CREATE TABLE items (id int PRIMARY KEY, label text, payload text);
       INSERT INTO items SELECT i, 'item ' || i, repeat(md5(i::text), 8) FROM generate_series(1, 3000) i;`,
    );
    const u = new URL(source.url);
    u.password = password;
    sourceWithPassword = u.toString();
  });
  afterAll(async () => {
    await Promise.all([source.drop(), target.drop()]);
  });

  it('plain: dump → psql restores an equal copy (and again over it, thanks to --clean --if-exists)', async () => {
    const dump = await text(dumpDatabase(source.url, { format: 'plain' }));
    expect(dump).toContain('DROP TABLE IF EXISTS public.items');
    expect(dump).not.toMatch(/OWNER TO|GRANT /);
    for (let i = 0; i < 2; i += 1) await restorePlain(target.url, Readable.from([dump]));
    expect(await tableSnapshot(target.url)).toBe(await tableSnapshot(source.url));
  });

  it('custom: dump → pg_restore from stdin restores an equal copy over existing objects', async () => {
    await sql(target.url, "UPDATE items SET label = 'changed'");
    const chunks: Buffer[] = [];
    for await (const chunk of dumpDatabase(source.url, { format: 'custom' })) chunks.push(chunk);
    expect(Buffer.concat(chunks).subarray(0, 5).toString()).toBe('PGDMP');
    await restoreCustom(target.url, Readable.from(chunks));
    expect(await tableSnapshot(target.url)).toBe(await tableSnapshot(source.url));
  });

  it('passes the password in the environment, never on the command line; destroying the stream kills pg_dump', async () => {
    const dump = dumpDatabase(sourceWithPassword, { format: 'plain' });
    // Unread, the ~400 KB dump fills the pipe and pg_dump blocks, so it can be inspected.
    const [pid] = await waitUntil(() => {
      const found = children('pg_dump');
      return found.length > 0 ? found : undefined;
    });
    if (pid === undefined) throw new Error('no pg_dump child');
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    expect(cmdline.join(' ')).not.toContain(password);
    expect(cmdline.join(' ')).not.toContain('postgres://');
    const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    expect(environ).toContain(`PGPASSWORD=${password}`);
    expect(environ).toContain(`PGDATABASE=${source.name}`);
    dump.destroy();
    await waitUntil(() => !alive(pid), { description: 'pg_dump to be killed' });
  });

  it('a failing statement: psql stops, nothing is committed, and the error names tool, code and message', async () => {
    const before = await tableSnapshot(target.url);
    const script = "DELETE FROM items;\nSELECT 1/0;\nINSERT INTO items VALUES (-1, 'late', '');\n";
    await expect(restorePlain(target.url, Readable.from([script]))).rejects.toThrow(
      /^psql exited with code 3: .*division by zero/,
    );
    expect(await tableSnapshot(target.url)).toBe(before);
  });

  it('scrubs the password from quoted error output', async () => {
    const targetWithPassword = new URL(target.url);
    targetWithPassword.password = password;
    const script = `DO $$ BEGIN RAISE EXCEPTION 'leak ${password} and postgres://bot:${password}@db/x'; END $$;\n`;
    const err = await restorePlain(targetWithPassword.toString(), Readable.from([script])).catch((e: unknown) => e);
    expect(String(err)).toMatch(/psql exited with code 3: .*leak \*\*\* and postgres:\/\/bot:\*\*\*@db\/x/);
    expect(String(err)).not.toContain(password);
  });

  it('a backup stream that breaks between statements: psql is killed before end-of-input, so nothing commits', async () => {
    const before = await tableSnapshot(target.url);
    const broken = new PassThrough();
    const restoring = restorePlain(target.url, broken);
    broken.write('DELETE FROM items;\n');
    // Let psql run the complete statement, then break the stream as a dropped S3 connection would.
    await waitUntil(() => children('psql').length > 0);
    await new Promise((resolve) => setImmediate(resolve));
    broken.destroy(new Error('socket hang up'));
    await expect(restoring).rejects.toThrow(/^Reading the backup failed: socket hang up$/);
    expect(await tableSnapshot(target.url)).toBe(before);
  });

  it('the restoring process killed mid-dump: psql reads end-of-input without our COMMIT, so nothing commits', async () => {
    const before = await tableSnapshot(target.url);
    const worker = spawn(process.execPath, ['--import', 'tsx', 'test/support/restore-then-die.ts', target.url], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    worker.stdout.on('data', (d: Buffer) => (out += d.toString()));
    // psql ran the DELETE inside our transaction and waits for more input.
    const session = async () =>
      (
        await sql(
          target.url,
          `SELECT state FROM pg_stat_activity
            WHERE datname = current_database() AND application_name = 'chatops-bot' AND pid <> pg_backend_pid()`,
        )
      ).map((r) => String(r.state));
    await waitUntil(async () => out.includes('fed') && (await session()).includes('idle in transaction'), {
      timeoutMs: 30_000,
      description: 'psql to hold the DELETE in an open transaction',
    });
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.kill('SIGKILL');
    await exited;
    // The orphaned psql sees its stdin close, ends, and the server rolls back what it had.
    await waitUntil(async () => (await session()).length === 0, {
      timeoutMs: 30_000,
      description: 'the orphaned psql to end',
    });
    expect(await tableSnapshot(target.url)).toBe(before);
  }, 90_000);

  it('aborting kills the child and rejects with the reason', async () => {
    const endless = new PassThrough();
    endless.write('SELECT 1;\n');
    const controller = new AbortController();
    const restoring = restorePlain(target.url, endless, controller.signal);
    const [pid] = await waitUntil(() => {
      const found = children('psql');
      return found.length > 0 ? found : undefined;
    });
    controller.abort(new Error('step timed out'));
    await expect(restoring).rejects.toThrow('step timed out');
    if (pid !== undefined) await waitUntil(() => !alive(pid), { description: 'psql to be killed' });
  });

  it('a dump that fails errors its stream with pg_dump’s message', async () => {
    const missing = new URL(source.url);
    missing.pathname = '/no_such_database_here';
    await expect(text(dumpDatabase(missing.toString(), { format: 'plain' }))).rejects.toThrow(
      /^pg_dump exited with code 1: .*database "no_such_database_here" does not exist/,
    );
  });

  it('a missing tool is named', async () => {
    const tool = startTool('pg_no_such_tool', [], { env: { PATH: '/usr/bin' }, stdin: 'ignore', stdout: 'ignore' });
    await expect(tool.exited).rejects.toThrow('pg_no_such_tool is not installed (not found on PATH)');
  });

  it('databaseFacts and queryNumber read the database; a verification query cannot write', async () => {
    const facts = await databaseFacts(source.url);
    expect(facts).toMatchObject({ name: source.name, host: '127.0.0.1', port: '5432' });
    expect(facts.sizeBytes).toBeGreaterThan(100_000);
    expect(await queryNumber(source.url, 'SELECT count(*) FROM items')).toBe(3000);
    await expect(
      queryNumber(source.url, 'WITH gone AS (DELETE FROM items RETURNING 1) SELECT count(*) FROM gone'),
    ).rejects.toThrow(/read-only transaction/);
    await expect(queryNumber(source.url, "SELECT 'many'")).rejects.toThrow(/expected one number, got "many"/);
    expect(await queryNumber(source.url, 'SELECT count(*) FROM items')).toBe(3000);
  });
});
