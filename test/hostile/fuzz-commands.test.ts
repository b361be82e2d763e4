import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseOpsConfig } from '../../src/config/ops-config.js';
import { type CommandDeps, type CommandReply, handleCommand } from '../../src/handlers/handle-command.js';
import { matchCommand, maxCommandLength, nearestCommand, tokenize } from '../../src/handlers/parse-command.js';
import type { GroupDirectory } from '../../src/handlers/policy.js';
import { createInfra } from '../../src/infra/infra.js';
import { createQueueBackend, type RunQueue } from '../../src/jobs/queue.js';
import { runbooks } from '../../src/jobs/registry.js';
import type { RunTarget } from '../../src/jobs/runbook.js';
import { createLogger } from '../../src/log.js';
import { openStoreDb, type StoreDb } from '../../src/store/db.js';
import { migrateStore } from '../../src/store/migrate.js';
import { createStore, type Store } from '../../src/store/store.js';
import { redisUrl, uniquePrefix } from '../support/services.js';

const knownRunbooks = [...runbooks.keys()];
const knownCommands = [...knownRunbooks, 'help'];
const commandWords = [...new Set(knownRunbooks.flatMap((name) => name.split(' ')))];

// biome-ignore lint/suspicious/noControlCharactersInRegex: the parser's own definition of what it refuses.
const refusedControl = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

/** Pieces people (and attackers) type: command words, flags in every spelling, quotes of every kind. */
const piece = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...commandWords, 'help', '?', 'production', 'staging', 'plain', 'custom') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '--env',
      '--env=production',
      '--env=',
      '--ENV',
      '--dry-run',
      '--dry-run=yes',
      '--format',
      '--help',
      '--',
      '---',
      '--=x',
      '--9lives',
      '--ünicode',
      `--${'x'.repeat(40)}`,
      '-h',
      '-',
    ),
  },
  { weight: 2, arbitrary: fc.constantFrom('"', "'", '\u201C', '\u201D', '\u2018', '\u2019', '""', "''", '"a b"', '`') },
  {
    weight: 2,
    arbitrary: fc.constantFrom('../', '/etc/passwd', '; DROP TABLE runs; --', '$(id)', '`id`', '%00', '\\', '*'),
  },
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
);
const separator = fc.constantFrom(' ', ' ', ' ', '  ', '\t', '\n', '\r\n', '\u00A0', '\u2003', '\u2028', '\u3000', '');
const pieceText = fc
  .array(fc.tuple(piece, separator), { maxLength: 24 })
  .map((parts) => parts.map(([p, s]) => p + s).join(''));
const controlText = fc
  .array(
    fc.oneof(
      fc.constantFrom('\u0000', '\u0001', '\u0007', '\u0008', '\u000B', '\u000C', '\u001B', '\u007F', '\u0085'),
      fc.string({ maxLength: 6 }),
    ),
    { minLength: 1, maxLength: 12 },
  )
  .map((parts) => parts.join(''));
/** Texts around and far past the length limit. */
const longText = fc
  .tuple(pieceText, fc.integer({ min: maxCommandLength - 50, max: 20_000 }), fc.string({ minLength: 1, maxLength: 4 }))
  .map(([head, length, fill]) => `${head} ${fill.repeat(Math.ceil(length / fill.length))}`.slice(0, length));

/** Every kind of command text the fuzzer sends. */
const commandText = fc.oneof(
  { weight: 5, arbitrary: pieceText },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 200 }) },
  { weight: 1, arbitrary: controlText },
  { weight: 1, arbitrary: longText },
);

describe('fuzzing the command parser (pure)', () => {
  it('never throws, and answers every one of 10,000 texts with a line or a short reason', { timeout: 120_000 }, () => {
    let seen = 0;
    fc.assert(
      fc.property(commandText, (text) => {
        seen += 1;
        const result = tokenize(text);
        if (!result.ok) {
          expect(typeof result.reason).toBe('string');
          expect(result.reason.length).toBeGreaterThan(0);
          // A refusal quotes at most a little of the input, however long or hostile it is.
          expect(result.reason.length).toBeLessThanOrEqual(120);
          expect(result.reason).not.toMatch(refusedControl);
        } else {
          expect(text.length).toBeLessThanOrEqual(maxCommandLength);
          expect(text).not.toMatch(refusedControl);
          for (const word of result.line.words) expect(typeof word).toBe('string');
          for (const [name, value] of Object.entries(result.line.flags)) {
            expect(name).toMatch(/^[a-z][a-z0-9-]{0,31}$/);
            expect(value === true || typeof value === 'string').toBe(true);
          }
          const match = matchCommand(result.line.words, knownRunbooks);
          if (match) {
            expect(knownRunbooks).toContain(match.name);
            expect(match.args).toEqual(result.line.words.slice(match.name.split(' ').length));
          }
          // Every unknown command gets a "did you mean", whatever was typed.
          expect(knownCommands).toContain(nearestCommand(result.line.words, knownCommands));
        }
        if (text.length > maxCommandLength) expect(result.ok).toBe(false);
        else if (refusedControl.test(text)) expect(result.ok).toBe(false);
      }),
      { numRuns: 10_000 },
    );
    expect(seen).toBeGreaterThanOrEqual(10_000);
  });

  it('nearestCommand answers for any words at all, even ones that never came from tokenize', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 200 }), { maxLength: 10 }), (words) => {
        expect(knownCommands).toContain(nearestCommand(words, knownCommands));
        const match = matchCommand(words, knownRunbooks);
        if (match) expect(knownRunbooks).toContain(match.name);
      }),
      { numRuns: 2_000 },
    );
  });
});

const people = { viewer: 'UVIEW1', operator: 'UOPER1', approver: 'UAPPR1', admin: 'UADMN1', groupie: 'UGRPI1' };
const config = parseOpsConfig({
  services: {
    svc: {
      command: '/svc',
      displayName: 'Svc',
      defaultEnvironment: 'production',
      // No targets: validation against reality refuses at once, and nothing here reaches a network.
      environments: { production: {}, staging: {} },
    },
  },
  roles: {
    viewer: [people.viewer],
    operator: [people.operator, 'SGROUPOK1', 'SGROUPBAD1'],
    approver: [people.approver],
    admin: [people.admin],
  },
  channels: { allowed: ['CALLOWED1'] },
});

/** Our own GroupDirectory: one group resolves, the other is unreachable (fails closed). */
const groups: GroupDirectory = {
  async members(groupId) {
    if (groupId === 'SGROUPOK1') return [people.groupie];
    throw new Error('usergroups.users.list: ratelimited');
  },
};

describe('fuzzing handleCommand with a real store', () => {
  const url = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const schema = uniquePrefix('fuzz').replace(/-/g, '_');
  const prefix = uniquePrefix('fuzz-q');
  let db: StoreDb;
  let store: Store;
  let real: RunQueue;
  /** The real BullMQ queue on Redis, with every enqueue also noted here. */
  let queue: RunQueue;
  const enqueued: string[] = [];
  const log = createLogger('silent');
  const deps = (): CommandDeps => ({
    config,
    store,
    queue,
    groups,
    log,
    createInfra: (t: RunTarget) => createInfra(t.env, { serviceKey: t.serviceKey, environment: t.environment }),
  });

  beforeAll(async () => {
    db = openStoreDb(url, schema, { max: 4 });
    await migrateStore(db);
    store = createStore(db);
    const backend = createQueueBackend(
      'runbooks',
      { kind: 'redis', url: redisUrl(), prefix },
      { completed: 10, failed: 10, ageSeconds: 3600 },
    );
    await backend.prepare();
    real = backend.createQueue();
    queue = {
      ...real,
      async enqueue(runId, seq) {
        enqueued.push(runId);
        await real.enqueue(runId, seq);
      },
    };
  });
  afterAll(async () => {
    await real?.close();
    const redis = new Redis(redisUrl());
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
    await db.pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await db.close();
  });

  const count = async (sql: string) => Number((await db.pool.query<{ n: string }>(sql)).rows[0]?.n);

  it('answers each of 2,000 generated commands with a reply, enqueues exactly the accepted ones, audits each once', {
    timeout: 180_000,
  }, async () => {
    const input = fc.record({
      // NUL is covered by its own test below; here every other control character still goes through.
      text: fc.oneof(
        { weight: 9, arbitrary: commandText.map((t) => t.replaceAll('\u0000', '\u0001')) },
        // Some well-formed commands in every run, so the accepted branch is always reached, not only by chance.
        { weight: 1, arbitrary: fc.constantFrom('health', 'help', 'runs 5', 'health --env production', 'schedules') },
      ),
      user: fc.constantFrom(...Object.values(people), 'USTRANGER1'),
      channelId: fc.constantFrom('CALLOWED1', 'CALLOWED1', 'CALLOWED1', 'COTHER01'),
      command: fc.constantFrom('/svc', '/svc', '/svc', '/svc', '/nope'),
    });
    const kinds = new Map<CommandReply['kind'], number>();
    let calls = 0;
    await fc.assert(
      fc.asyncProperty(input, async ({ text, user, channelId, command }) => {
        calls += 1;
        const before = enqueued.length;
        const reply = await handleCommand(deps(), {
          command,
          text,
          userId: user,
          channelId,
          requestId: `fuzz-${calls}`,
        });
        kinds.set(reply.kind, (kinds.get(reply.kind) ?? 0) + 1);
        if (reply.kind === 'refused') {
          expect(reply.message.length).toBeGreaterThan(0);
          if (command === '/nope') expect(reply.code).toBe('unknown_service');
          if (reply.code === 'unknown_command') expect(reply.suggestion).toMatch(/^\/svc \S/);
        }
        if (reply.kind === 'accepted') {
          expect(enqueued.slice(before)).toEqual([reply.runId]);
          expect(knownRunbooks).toContain(reply.runbook);
          expect(command).toBe('/svc');
          expect(channelId).toBe('CALLOWED1');
        } else {
          expect(enqueued.length).toBe(before);
        }
      }),
      { numRuns: 2_000 },
    );
    expect(calls).toBe(2_000);
    // The generator reaches every branch, not only refusals.
    expect(kinds.get('accepted')).toBeGreaterThan(0);
    expect(kinds.get('help')).toBeGreaterThan(0);
    expect(kinds.get('refused')).toBeGreaterThan(0);
    expect(await count('SELECT count(*) AS n FROM runs')).toBe(enqueued.length);
    // Each accepted run is one job on the real queue, nothing else is.
    expect((await real.depth()).waiting).toBe(enqueued.length);
    expect(kinds.get('accepted')).toBe(enqueued.length);
    expect(await count('SELECT count(*) AS n FROM audit_events')).toBe(calls);
  });

  it('a NUL in the command text is refused like any control character, not failed as a store error', async () => {
    for (const text of ['health\u0000', 'restore a\u0000b.sql.gz', '\u0000', 'nosuchcommand\u0000']) {
      const reply = await handleCommand(deps(), {
        command: '/svc',
        text,
        userId: people.operator,
        channelId: 'CALLOWED1',
      });
      expect(reply).toMatchObject({ kind: 'refused', code: 'invalid_arguments' });
    }
  });
});
