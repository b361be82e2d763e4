import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Outbox } from '../../src/bot/outbox.js';
import { memoryPacer } from '../../src/bot/slack-pacer.js';
import type { MessageBody } from '../../src/bot/views/blocks.js';
import { UserError } from '../../src/errors.js';
import { createInfra } from '../../src/infra/infra.js';
import { createRunExecutor } from '../../src/jobs/run-executor.js';
import type { Runbook } from '../../src/jobs/runbook.js';
import { createLogger } from '../../src/log.js';
import { openStoreDb, type StoreDb } from '../../src/store/db.js';
import { migrateStore } from '../../src/store/migrate.js';
import { createStore } from '../../src/store/store.js';
import {
  type Bot,
  captureLog,
  channels,
  createWorld,
  people,
  production,
  runIdOf,
  startBot,
  type World,
} from '../helpers/world.js';
import { uniquePrefix, waitUntil } from '../support/services.js';

/**
 * Issue 13, item 12: expected failures (a database that does not exist, S3 refusing, Slack's 429) are the answers of
 * outside systems: logged at warn with their cause in one line and no stack trace. Error and stack traces are kept for
 * our own faults, such as a TypeError thrown in a step.
 */

const line = z
  .object({ level: z.string(), msg: z.string(), runId: z.string().optional(), what: z.string().optional() })
  .passthrough();
type Line = z.infer<typeof line>;

/** The captured JSON log lines. */
function linesOf(text: string): { raw: string; parsed: Line }[] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((raw) => ({ raw, parsed: line.parse(JSON.parse(raw)) }));
}

/** An answer of an outside system as the issue wants it logged: warn, a one-line cause, no stack anywhere. */
function expectOutsideAnswer(found: { raw: string; parsed: Line } | undefined, cause: RegExp): void {
  expect(found, 'the log line').toBeDefined();
  const { raw, parsed } = found ?? { raw: '', parsed: { level: '', msg: '' } };
  expect(parsed.level, raw).toBe('warn');
  expect(raw, 'no stack trace').not.toMatch(/"stack"|\\n\s+at /);
  const text = z.object({ cause: z.string() }).parse(parsed).cause;
  expect(text, 'one line').not.toMatch(/\n/);
  expect(text).toMatch(cause);
}

describe('failures of outside systems are logged at warn, our own at error', () => {
  let world: World;
  let bot: Bot;
  const log = captureLog();

  beforeAll(async () => {
    world = await createWorld((cfg) => {
      const prod = production(cfg);
      const envs = cfg.services.thermaliq?.environments;
      if (!envs || !prod.database?.url || !prod.backups) throw new Error('the world has no production targets');
      // staging: production's server, but a database that does not exist there.
      envs.staging = { ...prod, database: { url: prod.database.url.replace(/\/[^/]+$/, '/no_such_database') } };
      // sandbox: credentials S3 does not know; production: a bucket that does not exist.
      envs.sandbox = { ...prod, backups: { ...prod.backups, accessKeyId: 'NOT-A-KEY', secretAccessKey: 'wrong' } };
      prod.backups.bucket = 'no-such-bucket';
    });
    bot = await startBot(world, { logTo: log.stream });
  });
  afterAll(async () => {
    await bot?.stop();
    await world?.close();
  });

  const runFailedLine = (runId: string) =>
    linesOf(log.text()).find((l) => l.parsed.msg === 'run failed' && l.parsed.runId === runId);

  it('a database that does not exist: PostgreSQL answered 3D000', async () => {
    const runId = runIdOf(await bot.command('db stats --env staging', { user: people.viewer }));
    await bot.finalMessage(runId);
    const found = runFailedLine(runId);
    expectOutsideAnswer(found, /database "no_such_database" does not exist/);
    expect(found?.parsed).toMatchObject({ system: 'postgresql', code: '3D000' });
  });

  it('a backup into a bucket that does not exist: S3 answered NoSuchBucket', async () => {
    const runId = runIdOf(await bot.command('backup now', { user: people.operator }));
    await bot.finalMessage(runId);
    const found = runFailedLine(runId);
    expectOutsideAnswer(found, /bucket does not exist/);
    expect(found?.parsed).toMatchObject({ system: 's3', code: 'NoSuchBucket' });
  });

  it('a backup with credentials S3 refuses: S3 answered with its access error', async () => {
    const runId = runIdOf(await bot.command('backup now --env sandbox', { user: people.operator }));
    await bot.finalMessage(runId);
    const found = runFailedLine(runId);
    expectOutsideAnswer(found, /Access Key Id you provided does not exist/);
    expect(found?.parsed).toMatchObject({ system: 's3', code: 'InvalidAccessKeyId' });
  });

  it('a 429 on a progress update: Slack asked us to wait', async () => {
    const outboxLog = captureLog();
    const client = new WebClient('xoxb-test', {
      slackApiUrl: world.slack.url,
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
    });
    // A virtual clock: Retry-After waits advance it instead of passing.
    let now = 1_000_000;
    const outbox = new Outbox(client, createLogger('debug', outboxLog.stream), {
      postIntervalMs: 1,
      updateIntervalMs: 1,
      maxAttempts: 2,
      pacer: memoryPacer(() => now),
      sleep: async (ms: number) => {
        now += ms;
      },
    });
    const text = (t: string): MessageBody => ({
      text: t,
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: t } }],
    });
    const ts = await outbox.postMessage(channels.ops, text('starting'));
    world.slack.failNext('chat.update', { retryAfter: 1 }, 2);
    outbox.scheduleUpdate(channels.ops, ts, text('step 1 of 3'));
    await waitUntil(
      () => linesOf(outboxLog.text()).some((l) => l.parsed.msg.startsWith('progress update not delivered')),
      {
        description: 'the progress update to be given up',
      },
    );
    await outbox.drain();
    const lines = linesOf(outboxLog.text());
    expectOutsideAnswer(
      lines.find((l) => l.parsed.msg === 'slack call gave up' && l.parsed.what === 'chat.update'),
      /rate.limit/i,
    );
    expectOutsideAnswer(
      lines.find((l) => l.parsed.msg.startsWith('progress update not delivered')),
      /rate.limit/i,
    );
    expect(lines.filter((l) => l.parsed.level === 'error').map((l) => l.raw)).toEqual([]);
  });

  it('a TypeError thrown in a step is our bug: error, with its stack; a refusal in a step is info, in one line', async () => {
    const bugLog = captureLog();
    const schema = uniquePrefix('faillog').replace(/-/g, '_');
    const db: StoreDb = openStoreDb(process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test', schema);
    try {
      await migrateStore(db);
      const store = createStore(db);
      const refusing: Runbook<unknown> = {
        name: 'refusing',
        summary: 'refusing',
        usage: 'refusing',
        examples: [],
        risk: 'read',
        minRole: 'viewer',
        params: z.object({}),
        parseArgs: () => ({}),
        initialProgress: () => [],
        steps: [
          {
            name: 'look',
            title: 'Look',
            timeoutMs: 2000,
            async run() {
              throw new UserError('not_found', 'There is no table energy_readings_2019 on this database.');
            },
          },
        ],
        report: () => ({ status: 'ok', headline: 'done', items: [], details: [] }),
      };
      const buggy: Runbook<unknown> = {
        name: 'buggy',
        summary: 'buggy',
        usage: 'buggy',
        examples: [],
        risk: 'read',
        minRole: 'viewer',
        params: z.object({}),
        parseArgs: () => ({}),
        initialProgress: () => [],
        steps: [
          {
            name: 'oops',
            title: 'Oops',
            timeoutMs: 2000,
            async run() {
              // The kind of slip a type hole lets through: a shape assumed, not parsed.
              const stored: unknown = JSON.parse('{}');
              return (stored as { table: { name: string } }).table.name;
            },
          },
        ],
        report: () => ({ status: 'ok', headline: 'done', items: [], details: [] }),
      };
      const client = new WebClient('xoxb-test', { slackApiUrl: world.slack.url, retryConfig: { retries: 0 } });
      const logger = createLogger('debug', bugLog.stream);
      const execute = createRunExecutor({
        config: world.config,
        store,
        reporter: new Outbox(client, logger, { postIntervalMs: 1, updateIntervalMs: 1 }),
        log: logger,
        createInfra: (t) => createInfra(t.env, { serviceKey: t.serviceKey }),
        runbooks: new Map([
          ['buggy', buggy],
          ['refusing', refusing],
        ]),
      });
      for (const [id, runbook] of [
        ['r-bug0000001', 'buggy'],
        ['r-refused001', 'refusing'],
      ] as const) {
        await store.runs.create({
          id,
          service: 'thermaliq',
          environment: 'production',
          runbook,
          params: {},
          risk: 'read',
          status: 'queued',
          requestedBy: people.viewer,
          channelId: channels.ops,
        });
        await execute({ runId: id }, new AbortController().signal);
      }
      const failed = (runId: string) =>
        linesOf(bugLog.text()).find((l) => l.parsed.msg === 'run failed' && l.parsed.runId === runId);
      const bug = failed('r-bug0000001');
      expect(bug?.parsed.level, bug?.raw).toBe('error');
      const err = z.object({ err: z.object({ type: z.string(), stack: z.string() }) }).parse(bug?.parsed).err;
      expect(err.type).toBe('TypeError');
      expect(err.stack).toMatch(/\n\s+at /);

      const refusal = failed('r-refused001');
      expect(refusal?.parsed.level, refusal?.raw).toBe('info');
      expect(refusal?.raw, 'no stack trace').not.toMatch(/"stack"|\\n\s+at /);
      expect(refusal?.parsed).toMatchObject({
        origin: 'refusal',
        code: 'not_found',
        cause: expect.stringMatching(/no table/),
      });
    } finally {
      await db.pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await db.close();
    }
  });
});
