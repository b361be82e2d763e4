import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseRunbookArguments } from '../../src/handlers/argument-errors.js';
import { runbooks } from '../../src/jobs/registry.js';
import type { Runbook } from '../../src/jobs/runbook.js';
import { type Bot, createWorld, people, startBot, type World } from '../helpers/world.js';

const command = '/thermaliq';

/** Words that belong to zod, not to us: type names, its phrasing, its key listing. */
const zodWording = /Invalid input|expected|received|NaN|Unrecognized key/;

function runbookNamed(name: string): Runbook {
  const runbook = runbooks.get(name);
  if (!runbook) throw new Error(`no runbook ${name}`);
  return runbook;
}

/** The refusal a command's words and flags get, as handle-command shows it. */
function refusal(name: string, args: string[], flags: Record<string, string | true> = {}): string {
  const result = parseRunbookArguments(runbookNamed(name), command, args, flags);
  if (result.ok) throw new Error(`${name} accepted ${JSON.stringify({ args, flags })}`);
  return result.message;
}

/** The keys of a runbook's params schema. */
function schemaKeys(runbook: Runbook): string[] {
  return runbook.params instanceof z.ZodObject ? Object.keys(runbook.params.shape) : [];
}

const camelCaseKeys = [...new Set([...runbooks.values()].flatMap(schemaKeys).filter((k) => /[a-z][A-Z]/.test(k)))];

/** Checks a refusal is in our words: no zod wording, no camelCase key, no `key:` prefix of the old messages. */
function expectOurWords(runbook: Runbook, message: string, typedValue = ''): void {
  // What the user typed is quoted back; it may contain anything, so it is not held against the message.
  const ours = message.split(`"${typedValue}"`).join('');
  expect(ours).not.toMatch(zodWording);
  for (const key of camelCaseKeys) expect(ours).not.toContain(key);
  for (const key of schemaKeys(runbook)) {
    expect(ours).not.toMatch(new RegExp(`(^|[\\s;])${key.replace(/[-.*+?^${}()|[\]\\]/g, '\\$&')}:`));
  }
  expect(ours).toMatch(/ Example: `\/thermaliq [^`]+`$/);
}

describe('argument refusals are in our words: the flag as typed, what it accepts, an example', () => {
  it('a value given to a flag that takes none (was "restore-test: Invalid input: expected boolean, received string")', () => {
    const message = refusal('backup verify', [], { 'restore-test': 'yes' });
    expect(message).toMatch(
      /^--restore-test takes no value; you gave "yes"\. Example: `\/thermaliq backup verify --restore-test[^`]*`$/,
    );
    expectOurWords(runbookNamed('backup verify'), message);
  });

  it('extra words and unknown flags (was "Unrecognized key: \\"unexpected\\"")', () => {
    const extra = refusal('backup now', ['tonight']);
    expect(extra).toMatch(
      /^Extra word "tonight": backup now takes no words after its name\. Example: `\/thermaliq backup now`$/,
    );
    expectOurWords(runbookNamed('backup now'), extra);

    const words = refusal('scale', ['3', 'now']);
    expect(words).toContain('Extra word "now": scale takes only <replicas>.');
    expectOurWords(runbookNamed('scale'), words);

    const flag = refusal('cache purge', [], { forse: true });
    expect(flag).toMatch(/^cache purge does not take --forse; its flags are --force, [^.]*--env NAME/);
    expectOurWords(runbookNamed('cache purge'), flag);
  });

  it('a count that is not a number (was "max-keys: Invalid input: expected number, received NaN")', () => {
    const message = refusal('cache set-ttl', ['calculation:*', '60'], { 'max-keys': 'abc' });
    expect(message).toMatch(
      /^--max-keys takes a whole number from 1 to 1,000,000; you gave "abc"\. Example: `\/thermaliq cache set-ttl \S+ \d+ --max-keys \d+`$/,
    );
    expectOurWords(runbookNamed('cache set-ttl'), message);
    expect(refusal('backups', [], { limit: '0' })).toMatch(
      /^--limit takes a whole number from 1 to 50; you gave "0"\./,
    );
  });

  it('a camelCase key is named as the flag that was typed (was "confirmLarge: --confirm-large takes no value")', () => {
    const message = refusal('scale', ['3'], { 'confirm-large': 'yes' });
    expect(message).toMatch(
      /^--confirm-large takes no value; you gave "yes"\. Example: `\/thermaliq scale \d+ --confirm-large[^`]*`$/,
    );
    expectOurWords(runbookNamed('scale'), message);
  });

  it('positional arguments are named as the usage shows them, missing or wrong', () => {
    expect(refusal('scale', [])).toMatch(
      /^scale needs <replicas>: a whole number from 0 to 100\. Example: `\/thermaliq scale \d+/,
    );
    expect(refusal('scale', ['abc'])).toMatch(/^<replicas> must be a whole number from 0 to 100; you gave "abc"\./);
    expect(refusal('maintenance', ['sideways'])).toMatch(/^<on\|off> must be one of: on, off; you gave "sideways"\./);
    expect(refusal('perf', [], { window: '1y' })).toMatch(/^--window takes one of: 24h, 7d, 30d; you gave "1y"\./);
    // A refinement's own words pass through, said about the argument rather than a schema key.
    expect(refusal('cache set-ttl', ['*', '60'])).toMatch(/^<pattern>: the pattern must name at least 2 literal/);
    expect(refusal('restore', ['../x'])).toMatch(/^<backup-key>: the backup key contains a "\.\." segment/);
    // A positional argument given as a flag is named as typed; the example shows it as a word.
    expect(refusal('scale', [], { replicas: '999' })).toMatch(
      /^--replicas takes a whole number from 0 to 100; you gave "999"\. Example: `\/thermaliq scale \d+`$/,
    );
    // Unknown flags are named together, with the flags the command does take.
    expect(refusal('health', [], { pattern: '*', duration: '1e309' })).toMatch(
      /^health does not take --pattern, --duration; its only flag is --env NAME\. Example: `\/thermaliq health`$/,
    );
  });
});

/** The flags a runbook's usage shows, with whether each takes a value; --env and --dry-run are checked elsewhere. */
function usageFlags(runbook: Runbook): { name: string; takesValue: boolean }[] {
  return [...runbook.usage.matchAll(/--([a-z][a-z0-9-]*)( [^\s\]]+)?/g)]
    .map((m) => ({ name: m[1] ?? '', takesValue: m[2] !== undefined }))
    .filter((f) => f.name !== 'env' && f.name !== 'dry-run');
}

/** The positional arguments a runbook's usage shows (`<pattern>`, `[schema.table]`, `on|off`), without brackets. */
function usagePositionals(runbook: Runbook): string[] {
  const rest = runbook.usage.slice(runbook.name.length);
  return [...rest.matchAll(/<[^>]+>|\[[^\]]+\]|(?<=\s)[a-z]+\|[a-z|]+(?=\s|$)/g)]
    .map((m) => m[0])
    .filter((g) => !g.includes('--'))
    .map((g) => g.replace(/^[[<]|[\]>]$/g, ''));
}

/** The positional words of the runbook's example that fills the most of them. */
function exampleWords(runbook: Runbook): string[] {
  const lists = runbook.examples.map((e) => {
    const words = e.slice(runbook.name.length).trim().split(/\s+/).filter(Boolean);
    const flag = words.findIndex((w) => w.startsWith('--'));
    return flag === -1 ? words : words.slice(0, flag);
  });
  return lists.reduce<string[]>((best, l) => (l.length > best.length ? l : best), []);
}

const rejects = (runbook: Runbook, args: string[], flags: Record<string, string | true>) =>
  !runbook.params.safeParse(runbook.parseArgs(args, flags)).success;

/** Values people mistype, and anything at all. */
const badValue = fc.oneof(
  fc.constantFrom('abc', '-1', '0', '1.5', '1e3', '99999999999', '', '*', 'yes', 'x y', '../x', '$(id)', "a'b", '1y'),
  fc.string({ maxLength: 12 }),
);

describe('over the whole catalog: every bad flag value and argument is refused in our words', () => {
  const all = [...runbooks.values()];

  it.each(all.map((rb) => [rb.name, rb] as const))('%s: each flag it takes', (_name, runbook) => {
    const words = exampleWords(runbook);
    for (const flag of usageFlags(runbook)) {
      fc.assert(
        fc.property(badValue, (value) => {
          const flags = { [flag.name]: value };
          fc.pre(rejects(runbook, words, flags));
          const message = refusal(runbook.name, words, flags);
          expect(message).toContain(`--${flag.name}`);
          expectOurWords(runbook, message, value);
        }),
        { numRuns: 60 },
      );
    }
  });

  it.each(all.map((rb) => [rb.name, rb] as const))('%s: each positional argument', (_name, runbook) => {
    const words = exampleWords(runbook);
    usagePositionals(runbook).forEach((positional, i) => {
      fc.assert(
        fc.property(badValue, (value) => {
          const args = [...words.slice(0, i), value, ...words.slice(i + 1)];
          fc.pre(rejects(runbook, args, {}));
          const message = refusal(runbook.name, args, {});
          expect(message).toContain(positional);
          expectOurWords(runbook, message, value);
        }),
        { numRuns: 60 },
      );
    });
  });

  it.each(all.map((rb) => [rb.name, rb] as const))('%s: an unknown flag and an extra word', (_name, runbook) => {
    const words = exampleWords(runbook);
    const unknown = refusal(runbook.name, words, { 'no-such-flag': 'x' });
    expect(unknown).toContain(`${runbook.name} does not take --no-such-flag;`);
    expect(unknown).toContain('--env NAME');
    expectOurWords(runbook, unknown);
    const extra = refusal(runbook.name, [...words, 'surplus'], {});
    expect(extra).toMatch(/Extra words? "[^"]*surplus"/);
    expectOurWords(runbook, extra);
  });
});

describe('a refused command, end to end: signed slash command in, ephemeral refusal out', () => {
  let world: World;
  let bot: Bot;
  beforeAll(async () => {
    world = await createWorld();
    // No worker: nothing here may be enqueued, and a wrongly accepted command stays visible in the runs table.
    bot = await startBot(world, { role: 'bot' });
  });
  afterAll(async () => {
    await bot?.stop();
    await world?.close();
  });

  it.each([
    [
      'backup verify --restore-test=yes',
      /^--restore-test takes no value; you gave "yes"\. Example: `\/thermaliq backup verify --restore-test/,
    ],
    [
      'backup now tonight',
      /^Extra word "tonight": backup now takes no words after its name\. Example: `\/thermaliq backup now`$/,
    ],
    [
      'cache set-ttl calculation:* 60 --max-keys abc',
      /^--max-keys takes a whole number from 1 to 1,000,000; you gave "abc"\. Example: `\/thermaliq cache set-ttl /,
    ],
    [
      'scale 3 --confirm-large=yes',
      /^--confirm-large takes no value; you gave "yes"\. Example: `\/thermaliq scale \d+ --confirm-large/,
    ],
  ])('%s', async (text, says) => {
    const reply = await bot.command(text, { user: people.operator });
    const body = z.object({ response_type: z.string(), text: z.string() }).parse(reply.json);
    expect(body.response_type).toBe('ephemeral');
    expect(body.text).toMatch(says);
    expect(body.text).not.toMatch(zodWording);
    expect(body.text).not.toContain('confirmLarge');
    const [audit] = await bot.query<{ decision: string; reason: string | null }>(
      'SELECT decision, reason FROM audit_events ORDER BY id DESC LIMIT 1',
    );
    expect(audit).toEqual({ decision: 'deny', reason: 'invalid_arguments' });
    expect(await bot.query('SELECT id FROM runs')).toEqual([]);
  });
});
