import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { scriptsSchema } from '../../src/config/scripts-config.js';
import type { UserErrorCode } from '../../src/errors.js';
import { runbooks } from '../../src/jobs/registry.js';
import { type Bot, createWorld, people, startBot, type World } from '../helpers/world.js';

/** One hostile value for one parameter, as a user would type it, and the refusal it must get. */
interface HostileCase {
  runbook: string;
  /** The runbook parameter (a key of its params schema) or `env` for --env, which every runbook takes. */
  param: string;
  text: string;
  code: UserErrorCode;
  /** Part of the refusal the user reads. */
  says: string | RegExp;
}

const dotDot = 'contains a ".." segment';
const notFound = /No backup .* under s3:\/\//;
const unknownEnv = /Unknown environment ".*" for GL-009 THERMALIQ\. Valid: production, staging\./s;

/** Values that must never be taken as a backup key: paths, URLs, SQL, shell, control characters, lookalikes. */
const restoreKeyCases: HostileCase[] = [
  ['restore ../../etc/passwd', 'invalid_arguments', dotDot],
  ['restore thermaliq/../../secrets.sql.gz', 'invalid_arguments', dotDot],
  ['restore /etc/passwd', 'invalid_arguments', 'is an absolute path'],
  ['restore /var/lib/postgresql/data/base', 'invalid_arguments', 'is an absolute path'],
  ['restore s3://other-bucket/db.sql.gz', 'invalid_arguments', 'is a URL'],
  ['restore file:///etc/shadow', 'invalid_arguments', 'is a URL'],
  ['restore ..\\..\\windows\\system32', 'invalid_arguments', 'contains a backslash'],
  ['restore "db.sql.gz\nDROP TABLE runs"', 'invalid_arguments', 'contains control characters'],
  ['restore "db.sql.gz\rx"', 'invalid_arguments', 'contains control characters'],
  ['restore thermaliq//db.sql.gz', 'invalid_arguments', 'contains an empty folder name'],
  ['restore thermaliq/', 'invalid_arguments', 'names a folder, not a backup'],
  ['restore ./db.sql.gz', 'invalid_arguments', 'contains a "." segment'],
  [`restore ${'€'.repeat(400)}`, 'invalid_arguments', "longer than S3's 1024-byte limit"],
  ['restore ok.sql.gz --key ../../etc/passwd', 'invalid_arguments', dotDot],
  ['restore db.sql.gz ; rm -rf /', 'invalid_arguments', 'Extra words "; rm -rf /": restore takes only <backup-key>.'],
  ['restore db.sql.gz --table users', 'invalid_arguments', /table/],
  ['restore', 'invalid_arguments', 'is empty'],
  // Shapes a key may legally have: looked up under the environment's prefix, not found, refused. Never run.
  ['restore "x; DROP TABLE runs; --"', 'invalid_arguments', notFound],
  ["restore '$(rm -rf /)'", 'invalid_arguments', notFound],
  ['restore `id`.sql.gz', 'invalid_arguments', notFound],
  ['restore "\' OR 1=1 --"', 'invalid_arguments', notFound],
  ['restore \u2025/\u2025/etc/passwd', 'invalid_arguments', notFound],
  ['restore \uFF0Fetc\uFF0Fpasswd', 'invalid_arguments', notFound],
  ['restore ..\u2215..\u2215etc\u2215passwd', 'invalid_arguments', notFound],
  ['restore %2e%2e%2fetc%2fpasswd', 'invalid_arguments', notFound],
].map(([text, code, says]) => ({ runbook: 'restore', param: 'key', text, code, says }) as HostileCase);

const formatCases: HostileCase[] = [
  'plain; rm -rf /',
  '$(id)',
  '`id`',
  '../plain',
  'PLAIN',
  '99999999999999999999999',
  '-1',
  "custom' OR '1'='1",
  'p\u0142ain',
  '\u0440lain',
].map((value) => ({
  runbook: 'backup now',
  param: 'format',
  text: `backup now --format "${value}"`,
  code: 'invalid_arguments',
  says: '--format takes one of: plain, custom; you gave',
}));

/** Hostile values for the catalog runbooks' parameters: counts, tables, key patterns, TTLs, replicas, durations. */
const catalogCases: HostileCase[] = (
  [
    ['backups', 'limit', 'backups --limit 99999999999'],
    ['backups', 'limit', 'backups --limit "-1; DROP TABLE runs"'],
    ['db stats', 'limit', 'db stats --limit "$(id)"'],
    ['db indexes', 'limit', 'db indexes --limit 1e309'],
    ['db slow-queries', 'limit', 'db slow-queries --limit "`id`"'],
    ['backup verify', 'restore-test', 'backup verify --restore-test="; rm -rf /"'],
    ['db analyze', 'table', 'db analyze "users; DROP TABLE runs"'],
    ['db vacuum', 'table', 'db vacuum "x; DROP TABLE y"'],
    ['db reindex', 'table', 'db reindex "$(id)"'],
    ['db vacuum-full', 'table', 'db vacuum-full "pg_catalog.pg_class; --"'],
    ['db vacuum-full', 'table', 'db vacuum-full no_such_table'],
    ['db partitions', 'run', 'db partitions --run="; DROP"'],
    ['cache ttl-audit', 'pattern', 'cache ttl-audit "*\r\nFLUSHALL"'],
    ['cache ttl-audit', 'max-keys', 'cache ttl-audit "session:*" --max-keys 9999999999'],
    ['cache set-ttl', 'pattern', 'cache set-ttl * 60'],
    ['cache set-ttl', 'seconds', 'cache set-ttl "session:*" -5'],
    ['cache set-ttl', 'seconds', 'cache set-ttl "session:*" 999999999999'],
    ['cache set-ttl', 'max-keys', 'cache set-ttl "session:*" 60 --max-keys "-1"'],
    ['cache purge', 'force', 'cache purge --force="$(id)"'],
    ['scale', 'replicas', 'scale -1'],
    ['scale', 'replicas', 'scale abc'],
    ['scale', 'replicas', 'scale 1000'],
    ['scale', 'confirmLarge', 'scale 3 --confirm-large="; rm"'],
    ['maintenance', 'mode', 'maintenance sideways'],
    ['errors', 'since', 'errors --since 99999h'],
    ['errors', 'since', 'errors --since "1h; rm -rf /"'],
    ['perf', 'window', 'perf --window 1y'],
    ['restore rollback', 'run', 'restore rollback "r-0123456789; DROP TABLE runs"'],
    ['restore rollback', 'run', 'restore rollback "$(id)"'],
    ['restore rollback', 'run', 'restore rollback ../r-0123456789'],
    ['restore rollback', 'run', 'restore rollback'],
    ['perf', 'window', 'perf --window "$(id)"'],
    ['capacity', 'months', 'capacity --months "12; rm -rf /"'],
    ['capacity', 'months', 'capacity --months 1e309'],
    ['capacity', 'horizon', 'capacity --horizon "$(id)"'],
    ['capacity', 'horizon', 'capacity --horizon -6'],
    ['scan image', 'severity', 'scan image --severity "HIGH; rm -rf /"'],
    ['scan image', 'severity', 'scan image --severity "$(id)"'],
    ['scan image', 'severity', 'scan image --severity "HIGH --exit-code 0"'],
    ['certs renew', 'name', 'certs renew "thermaliq-api-tls; kubectl delete ns"'],
    ['certs renew', 'name', 'certs renew "$(id)"'],
    ['certs renew', 'name', 'certs renew ../thermaliq-api-tls'],
    ['certs renew', 'name', 'certs renew thermaliq-api-tls/status'],
    ['certs renew', 'name', 'certs renew'],
    ['tune db', 'apply', 'tune db --apply="; rm -rf /"'],
    ['tune db', 'rollback', 'tune db --rollback "r-0123456789; ALTER SYSTEM RESET ALL"'],
    ['tune db', 'rollback', "tune db --rollback \"r-1' OR '1'='1\""],
    ['tune db', 'rollback', 'tune db --rollback ../r-0123456789'],
    ['tune db', 'memory', 'tune db --memory "16GB\'; ALTER SYSTEM SET fsync = off; --"'],
    ['tune db', 'memory', 'tune db --memory 1e309GB'],
    ['tune db', 'memory', 'tune db --memory "$(id)"'],
    ['tune cache', 'apply', 'tune cache --apply="CONFIG SET dir /tmp"'],
    ['tune workers', 'apply', 'tune workers --apply="$(id)"'],
    ['script', 'name', 'script "warm-cache; rm -rf /"'],
    ['script', 'name', 'script "$(id)"'],
    ['script', 'name', 'script ../warm-cache'],
    ['script', 'args', 'script warm-cache "facilities=F-1; rm -rf /"'],
    ['script', 'args', 'script warm-cache facilities=F-1 "days=$(id)"'],
    ['script', 'args', 'script warm-cache "facilities=`id`"'],
    ['script', 'args', 'script warm-cache facilities=F-1 "days=1 --concurrency 99"'],
  ] as const
).map(([runbook, param, text]) => ({ runbook, param, text, code: 'invalid_arguments', says: /\S/ }));

/** Hostile --env values, tried on every runbook. */
const envValues = [
  '../production',
  '/production',
  'production; DROP TABLE runs',
  '$(id)',
  '`id`',
  '\u0440roduction',
  'ｐｒｏｄｕｃｔｉｏｎ',
  'production ',
  '9'.repeat(300),
  '*',
];

/** Object keys every JavaScript object answers to: an environment lookup must not find them. */
const prototypeEnvValues = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'];

/** The keys of a runbook's params schema (every runbook's params is a zod object). */
function paramKeys(schema: unknown): string[] {
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

describe('injection: hostile values for every runbook parameter are refused before anything is enqueued', () => {
  let world: World;
  let bot: Bot;
  beforeAll(async () => {
    world = await createWorld((cfg) => {
      // A script with typed parameters, so `script` arguments are refused by their types, not for a missing script.
      const service = cfg.services.thermaliq;
      if (service) {
        service.scripts = scriptsSchema.parse([
          {
            name: 'warm-cache',
            summary: 'Warm the cache',
            argv: ['python', '/app/warm_cache.py', '--facilities', '{facilities}', '--days', '{days}'],
            params: {
              facilities: { type: 'list', pattern: '[A-Za-z0-9][A-Za-z0-9_.-]{0,63}' },
              days: { type: 'integer', min: 1, max: 365, default: 30 },
            },
            risk: 'change',
            timeoutSeconds: 600,
          },
        ]);
      }
    });
    // No worker: a command wrongly accepted stays queued, so it cannot disturb the next case's Kubernetes count.
    bot = await startBot(world, { role: 'bot' });
  });
  afterAll(async () => {
    await bot?.stop();
    await world?.close();
  });

  const runCount = async () => Number((await bot.query<{ n: string }>('SELECT count(*) AS n FROM runs'))[0]?.n);

  /** Sends the command as an operator and checks the refusal; nothing may be queued or reach Kubernetes. */
  async function expectRefused(c: Pick<HostileCase, 'text' | 'code' | 'says'>): Promise<void> {
    const runsBefore = await runCount();
    const kubeBefore = world.kube.requests.length;
    const reply = await bot.command(c.text, { user: people.operator });
    expect(reply.status, c.text).toBe(200);
    const body = z.object({ response_type: z.string(), text: z.string() }).parse(reply.json);
    expect(body.response_type).toBe('ephemeral');
    if (typeof c.says === 'string') expect(body.text, c.text).toContain(c.says);
    else expect(body.text, c.text).toMatch(c.says);
    expect(body.text).not.toMatch(/error id|could not record/i);
    const [audit] = await bot.query<{ decision: string; reason: string | null }>(
      'SELECT decision, reason FROM audit_events ORDER BY id DESC LIMIT 1',
    );
    expect(audit, c.text).toEqual({ decision: 'deny', reason: c.code });
    expect(await runCount(), `${c.text} created a run`).toBe(runsBefore);
    expect(world.kube.requests.length, `${c.text} reached Kubernetes`).toBe(kubeBefore);
  }

  it('covers every parameter of every registered runbook', () => {
    const covered = new Set(
      [...restoreKeyCases, ...formatCases, ...catalogCases].map((c) => `${c.runbook}.${c.param}`),
    );
    const missing = [...runbooks.values()].flatMap((rb) =>
      paramKeys(rb.params)
        .map((key) => `${rb.name}.${key}`)
        .filter((p) => !covered.has(p)),
    );
    expect(missing, 'add hostile cases for these parameters').toEqual([]);
  });

  it('backup keys: paths, URLs, SQL, shell, newlines, lookalikes and oversize values', {
    timeout: 120_000,
  }, async () => {
    for (const c of restoreKeyCases) await expectRefused(c);
  });

  it('catalog parameters: counts, tables, key patterns, TTLs, replicas, durations', { timeout: 180_000 }, async () => {
    for (const c of catalogCases) await expectRefused(c);
  });

  it('backup format: anything but plain or custom', { timeout: 60_000 }, async () => {
    for (const c of formatCases) await expectRefused(c);
  });

  it('--env: traversal, SQL, shell, lookalikes and oversize names, on every runbook', {
    timeout: 120_000,
  }, async () => {
    for (const name of runbooks.keys()) {
      for (const value of envValues) {
        await expectRefused({ text: `${name} --env "${value}"`, code: 'unknown_environment', says: unknownEnv });
      }
    }
  });

  const names = [...runbooks.keys()];

  it.each(names)('--env: names every JavaScript object answers to are unknown environments (%s)', async (name) => {
    for (const value of prototypeEnvValues) {
      await expectRefused({ text: `${name} --env ${value}`, code: 'unknown_environment', says: unknownEnv });
    }
  });

  it.each(names)('unknown flags and extra words carrying SQL or shell are refused (%s)', async (name) => {
    // A typo must not silently run against the default environment.
    await expectRefused({ text: `${name} --evn staging`, code: 'invalid_arguments', says: /evn/ });
    await expectRefused({ text: `${name} --table "users; DROP TABLE runs"`, code: 'invalid_arguments', says: /table/ });
    await expectRefused({
      text: `${name} --pattern '*' --replicas 99999999999 --duration 1e309`,
      code: 'invalid_arguments',
      says: /pattern|replicas|duration/,
    });
    if (name !== 'restore') {
      await expectRefused({ text: `${name} "$(reboot)" ; ls`, code: 'invalid_arguments', says: /Extra words? "/ });
    }
  });

  it('a NUL anywhere is refused as a control character, not failed as a store error', async () => {
    for (const text of [
      'restore db\u0000.sql.gz',
      'health --env production\u0000',
      'backup now --format plain\u0000',
    ]) {
      await expectRefused({ text, code: 'invalid_arguments', says: 'control characters' });
    }
  });
});
