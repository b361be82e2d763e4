import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import { lockDataDir, recoverOrphanedPostgres } from '../../src/store/data-dir-lock.js';
import { processAlive } from '../../src/store/process-state.js';

/** A logger that keeps its lines, so a test can read what a person would see. */
function capturingLogger() {
  const lines: { level: string; msg: string }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')));
      done();
    },
  });
  return { log: createLogger('info', sink), lines };
}

/** A process that runs until its stdin closes; `name` lands in its command line, as a process's name would. */
function idleProcess(name: string): ChildProcess & { pid: number } {
  const child = spawn(process.execPath, ['-e', 'process.stdin.resume(); process.stdin.on("end", () => {})', name], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  if (child.pid === undefined) throw new Error('could not spawn a helper process');
  return Object.assign(child, { pid: child.pid });
}

/** A pid no process has: one that just exited and was reaped. */
async function deadPid(): Promise<number> {
  const child = idleProcess('short-lived');
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  return child.pid;
}

describe('the data dir instance lock', () => {
  let dir: string;
  const children: ChildProcess[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lock-'));
  });
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('is taken with our pid and released, and a second take while held by a live instance is refused', () => {
    const { log } = capturingLogger();
    const lock = lockDataDir(dir, log);
    expect(readFileSync(join(dir, 'instance.pid'), 'utf8')).toBe(String(process.pid));
    expect(lock.previousOwnerCrashed).toBe(false);
    lock.release();
    expect(existsSync(join(dir, 'instance.pid'))).toBe(false);

    // Another live Node process holds it.
    const other = idleProcess('bot');
    children.push(other);
    writeFileSync(join(dir, 'instance.pid'), String(other.pid));
    const refused = (() => {
      try {
        lockDataDir(dir, log);
        return undefined;
      } catch (err) {
        return err;
      }
    })();
    expect(refused).toBeInstanceOf(ConfigError);
    expect(String(refused)).toContain(`Another bot instance (pid ${other.pid}) is already using`);
    expect(String(refused)).toContain(dir);
    expect(String(refused)).toContain('DATA_DIR');
    // The refusal left the holder's lock alone.
    expect(readFileSync(join(dir, 'instance.pid'), 'utf8')).toBe(String(other.pid));
  });

  it('recovers a lock whose holder is gone, with a log line naming it', async () => {
    const { log, lines } = capturingLogger();
    const gone = await deadPid();
    writeFileSync(join(dir, 'instance.pid'), String(gone));
    const lock = lockDataDir(dir, log);
    expect(lock.previousOwnerCrashed).toBe(true);
    expect(readFileSync(join(dir, 'instance.pid'), 'utf8')).toBe(String(process.pid));
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        msg: expect.stringMatching(new RegExp(`^recovered a stale instance lock: .*\\(pid ${gone}\\) is gone`)),
      }),
    );
    lock.release();
  });

  it('treats a live pid that is not a Node process (a reused pid) as a stale lock', () => {
    const { log } = capturingLogger();
    const cat = spawn('cat', [], { stdio: ['pipe', 'ignore', 'ignore'] });
    children.push(cat);
    writeFileSync(join(dir, 'instance.pid'), String(cat.pid));
    const lock = lockDataDir(dir, log);
    expect(lock.previousOwnerCrashed).toBe(true);
    lock.release();
  });
});

describe('a PostgreSQL left running on the data dir', () => {
  let pgDir: string;
  const children: ChildProcess[] = [];
  beforeEach(() => {
    pgDir = join(mkdtempSync(join(tmpdir(), 'orphan-')), 'pg');
    mkdirSync(pgDir);
  });
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    rmSync(join(pgDir, '..'), { recursive: true, force: true });
  });
  const pidFile = () => join(pgDir, 'postmaster.pid');

  it('a postmaster.pid whose process is gone is removed with a log line', async () => {
    const { log, lines } = capturingLogger();
    writeFileSync(pidFile(), `${await deadPid()}\n${pgDir}\n`);
    await recoverOrphanedPostgres(pgDir, false, log);
    expect(existsSync(pidFile())).toBe(false);
    expect(lines.map((l) => l.msg)).toEqual([expect.stringMatching(/^removed a stale postmaster\.pid/)]);
  });

  it('one whose pid now belongs to something other than postgres is removed too', async () => {
    const { log } = capturingLogger();
    const other = idleProcess('not-the-database');
    children.push(other);
    writeFileSync(pidFile(), `${other.pid}\n${pgDir}\n`);
    await recoverOrphanedPostgres(pgDir, false, log);
    expect(existsSync(pidFile())).toBe(false);
    expect(processAlive(other.pid)).toBe(true);
  });

  it('a running PostgreSQL that no crashed instance explains is refused, and left alone', async () => {
    const { log } = capturingLogger();
    const postgres = idleProcess('postgres');
    children.push(postgres);
    writeFileSync(pidFile(), `${postgres.pid}\n${pgDir}\n`);
    await expect(recoverOrphanedPostgres(pgDir, false, log)).rejects.toThrow(
      new RegExp(`PostgreSQL \\(pid ${postgres.pid}\\) is running on .*, but no bot instance owns that data directory`),
    );
    expect(processAlive(postgres.pid)).toBe(true);
  });

  it("the one a crashed instance left running gets PostgreSQL's fast shutdown (SIGINT), and is waited for", async () => {
    const { log, lines } = capturingLogger();
    const postgres = idleProcess('postgres');
    children.push(postgres);
    const signals: (NodeJS.Signals | null)[] = [];
    const exited = new Promise<void>((resolve) =>
      postgres.once('exit', (_code, signal) => {
        signals.push(signal);
        resolve();
      }),
    );
    writeFileSync(pidFile(), `${postgres.pid}\n${pgDir}\n`);
    await recoverOrphanedPostgres(pgDir, true, log);
    await exited;
    expect(signals).toEqual(['SIGINT']);
    expect(lines.map((l) => l.msg)).toEqual([
      `stopping the embedded PostgreSQL (pid ${postgres.pid}) that a crashed instance left running`,
      `stopped the embedded PostgreSQL (pid ${postgres.pid}) that a crashed instance left running`,
    ]);
  });
});
