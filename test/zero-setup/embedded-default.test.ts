import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { processAlive } from '../../src/store/process-state.js';
import { openPage } from '../playground/page-client.js';
import { waitUntil } from '../support/services.js';
import { type BotProcess, freshDataDir, postgresProcessesOn, removeDataDir, startBotProcess } from './bot-process.js';

const noStack = /\n\s+at .+:\d+:\d+/;

/** Rows of the bot's own store (schema `thermaliq` in database `thermaliq` of the embedded PostgreSQL). */
async function storedRuns(bot: BotProcess): Promise<{ id: string; runbook: string; status: string }[]> {
  const client = new pg.Client({ connectionString: bot.databaseUrl('thermaliq') });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string; runbook: string; status: string }>(
      'SELECT id, runbook, status FROM thermaliq.runs ORDER BY created_at',
    );
    return rows;
  } finally {
    await client.end();
  }
}

/** Runs `/thermaliq health` in the playground as the viewer and waits until the store says it finished. */
async function runHealth(bot: BotProcess, playgroundUrl: string): Promise<string> {
  const page = await openPage(playgroundUrl, 'UPLAYVIEW1');
  try {
    const sent = await page.command('/thermaliq health');
    expect(sent.status).toBe(200);
    await page.waitFor((m) => m.html.includes('details in thread'), 'the health report', 60_000);
  } finally {
    page.close();
  }
  const runs = await waitUntil(
    async () => {
      const rows = await storedRuns(bot);
      return rows.length === 1 && rows[0]?.status === 'succeeded' ? rows : undefined;
    },
    { timeoutMs: 15_000, description: 'the health run to be stored as succeeded' },
  );
  return runs[0]?.id ?? '';
}

/** SIGTERM, then the checks that a clean stop leaves nothing behind. */
async function stopCleanly(bot: BotProcess): Promise<void> {
  bot.kill('SIGTERM');
  expect(await bot.exited()).toEqual({ code: 0, signal: null });
  expect(bot.logs().map((l) => l.msg)).toContain('embedded PostgreSQL stopped');
  expect(postgresProcessesOn(bot.dataDir)).toEqual([]);
  expect(existsSync(join(bot.dataDir, 'instance.pid'))).toBe(false);
}

describe('the embedded default (no DATABASE_URL, no REDIS_URL, no Slack)', () => {
  const bots: BotProcess[] = [];
  const dirs: string[] = [];
  const start = (dataDir: string, opts: { npmStart?: boolean } = {}) => {
    const bot = startBotProcess(dataDir, {}, opts);
    bots.push(bot);
    return bot;
  };
  const dataDir = () => {
    const dir = freshDataDir();
    dirs.push(dir);
    return dir;
  };

  afterEach(async () => {
    // Whatever a failed test left running: the bots, then any PostgreSQL still on their data dirs.
    for (const bot of bots.splice(0)) {
      try {
        bot.killGroup('SIGKILL');
      } catch {
        // not a group of its own, or gone
      }
      bot.kill('SIGKILL');
      await bot.exited().catch(() => {});
    }
    for (const dir of dirs.splice(0)) {
      for (const pid of postgresProcessesOn(dir)) process.kill(pid, 'SIGINT');
      await waitUntil(() => postgresProcessesOn(dir).length === 0, {
        timeoutMs: 30_000,
        description: `PostgreSQL on ${dir} to stop`,
      });
      removeDataDir(dir);
    }
  });

  it('keeps its data across a clean restart on the same data dir', { timeout: 240_000 }, async () => {
    const dir = dataDir();
    const first = start(dir);
    const { playgroundUrl } = await first.started();
    expect(first.logs().map((l) => l.msg)).toContain('initialising the embedded PostgreSQL (first run)');
    expect(first.logs().find((l) => l.msg === 'started')).toMatchObject({ queue: 'postgres', worker: true });
    const runId = await runHealth(first, playgroundUrl);
    await stopCleanly(first);

    const second = start(dir);
    await second.started();
    const messages = second.logs().map((l) => l.msg);
    // The same cluster, not a new one, and nothing to recover after a clean stop.
    expect(messages).not.toContain('initialising the embedded PostgreSQL (first run)');
    expect(messages.filter((m) => /stale|crashed/.test(m))).toEqual([]);
    expect(await storedRuns(second)).toEqual([{ id: runId, runbook: 'health', status: 'succeeded' }]);
    await stopCleanly(second);
  });

  it('Ctrl-C to the whole process group of `npm start` after commands: no stack trace, lock released, PostgreSQL stopped in order', {
    timeout: 240_000,
  }, async () => {
    const dir = dataDir();
    const bot = start(dir, { npmStart: true });
    const { playgroundUrl } = await bot.started();
    await runHealth(bot, playgroundUrl);
    // What a terminal does on Ctrl-C: SIGINT to every process of the foreground group (npm, the bot, and anything
    // else still in it). PostgreSQL runs in a group of its own, so the bot stops it last, in order.
    bot.killGroup('SIGINT');
    // npm itself ends as a Ctrl-C'd npm does (by SIGINT, or 0); the bot shuts down in order and removes its lock.
    expect([0, 'SIGINT']).toContain((await bot.exited(60_000)).signal ?? (await bot.exited()).code);
    await waitUntil(
      () => !existsSync(join(bot.dataDir, 'instance.pid')) && postgresProcessesOn(bot.dataDir).length === 0,
      {
        timeoutMs: 60_000,
        description: 'the bot to release its lock and stop PostgreSQL',
      },
    );
    await waitUntil(() => bot.logs().some((l) => l.msg === 'embedded PostgreSQL stopped'), {
      description: 'the bot to log that it stopped PostgreSQL',
    });
    const output = bot.stdout() + bot.stderr();
    expect(output).not.toMatch(noStack);
    expect(output).not.toContain('57P01');
    expect(output).not.toMatch(/Unhandled 'error' event/);
    expect(
      bot.logs().filter((l) => l.msg === 'shutting down: no new jobs; running ones get SHUTDOWN_TIMEOUT_MS to finish'),
    ).toHaveLength(1);
  });

  it('refuses a second instance on the same data dir with a clear message, leaving the first alone', {
    timeout: 240_000,
  }, async () => {
    const dir = dataDir();
    const first = start(dir);
    const { playgroundUrl } = await first.started();

    const second = start(dir);
    expect(await second.exited()).toEqual({ code: 1, signal: null });
    const stderr = second.stderr();
    expect(stderr).toContain(
      `Another bot instance (pid ${first.pid}) is already using the embedded database in ${dir}.`,
    );
    expect(stderr).toContain(`Stop it first (kill ${first.pid}), or give this one its own data directory (DATA_DIR=`);
    expect(stderr).not.toMatch(noStack);
    expect(second.stdout()).not.toContain('embedded PostgreSQL started');

    // The first still holds the lock, its database and its playground.
    expect(readFileSync(join(dir, 'instance.pid'), 'utf8')).toBe(String(first.pid));
    expect(postgresProcessesOn(dir)).toHaveLength(1);
    expect((await fetch(playgroundUrl)).status).toBe(200);
    expect(await storedRuns(first)).toEqual([]);
    await stopCleanly(first);
  });

  it('after a SIGKILL, the next start recovers the stale lock and stops the PostgreSQL left running', {
    timeout: 240_000,
  }, async () => {
    const dir = dataDir();
    const crashed = start(dir);
    const { playgroundUrl } = await crashed.started();
    const runId = await runHealth(crashed, playgroundUrl);
    const [orphan] = postgresProcessesOn(dir);
    if (orphan === undefined) throw new Error('the first instance runs no PostgreSQL on its data dir');

    crashed.kill('SIGKILL');
    expect(await crashed.exited()).toEqual({ code: null, signal: 'SIGKILL' });
    // Its PostgreSQL child outlives it and still holds the data dir; so does the lock.
    expect(postgresProcessesOn(dir)).toEqual([orphan]);
    expect(readFileSync(join(dir, 'instance.pid'), 'utf8')).toBe(String(crashed.pid));

    const next = start(dir);
    await next.started();
    const lines = next.logs();
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        lockPid: String(crashed.pid),
        msg: expect.stringContaining(`recovered a stale instance lock: the instance that held`),
      }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({
        postgresPid: orphan,
        msg: `stopped the embedded PostgreSQL (pid ${orphan}) that a crashed instance left running`,
      }),
    );
    expect(processAlive(orphan)).toBe(false);
    expect(postgresProcessesOn(dir)).not.toContain(orphan);
    expect(postgresProcessesOn(dir)).toHaveLength(1);
    // The orphan was shut down cleanly, so nothing was lost: the run from before the crash is there.
    expect(await storedRuns(next)).toEqual([{ id: runId, runbook: 'health', status: 'succeeded' }]);
    await stopCleanly(next);
  });
});
