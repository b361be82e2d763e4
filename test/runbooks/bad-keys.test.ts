import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { parseRunbookArguments } from '../../src/handlers/argument-errors.js';
import { resolveBackupKey } from '../../src/jobs/backup-key.js';
import type { RunbookContext } from '../../src/jobs/runbook.js';
import { restoreRunbook } from '../../src/jobs/runbooks/restore/restore.js';
import { createWorld, type World } from '../helpers/world.js';
import { runContext } from './run-context.js';

/** The refusal the command handler would show for these words. */
function paramsRefusal(args: string[]): string | undefined {
  const parsed = parseRunbookArguments(restoreRunbook, '/thermaliq', args, {});
  return parsed.ok ? undefined : parsed.message;
}

describe('bad backup keys are refused by the params schema, with the reason', () => {
  it.each([
    ['../x', '<backup-key>: the backup key contains a ".." segment; a key cannot climb out of the backup prefix'],
    ['thermaliq/production/../staging/db.sql.gz', '<backup-key>: the backup key contains a ".." segment'],
    ['/etc/passwd', '<backup-key>: the backup key is an absolute path; give a key under the backup prefix'],
    ['s3://greenlang-backups/thermaliq/x.sql.gz', '<backup-key>: the backup key is a URL'],
    ['file:///etc/passwd', '<backup-key>: the backup key is a URL'],
    ['backups\\x.sql', '<backup-key>: the backup key contains a backslash'],
    ['a\u0007b.sql', '<backup-key>: the backup key contains control characters'],
    ['./x.sql', '<backup-key>: the backup key contains a "." segment'],
    ['daily/', '<backup-key>: the backup key names a folder, not a backup'],
    ['a//b.sql', '<backup-key>: the backup key contains an empty folder name (//)'],
    ['x'.repeat(1025), "<backup-key>: the backup key is longer than S3's 1024-byte limit"],
  ])('%s', (key, reason) => {
    expect(paramsRefusal([key])).toContain(reason);
  });

  it('a missing key, extra words and unknown flags', () => {
    expect(paramsRefusal([])).toContain('<backup-key>: the backup key is empty');
    expect(paramsRefusal(['a.sql.gz', 'now'])).toContain('Extra word "now": restore takes only <backup-key>.');
    expect(restoreRunbook.params.safeParse(restoreRunbook.parseArgs(['a.sql.gz'], { force: true })).success).toBe(
      false,
    );
  });

  it('accepts a full key under the prefix and a name relative to it', () => {
    const where = { bucket: 'b', prefix: 'thermaliq/production/' };
    expect(paramsRefusal(['thermaliq-20260101-020000.sql.gz'])).toBeUndefined();
    expect(resolveBackupKey('thermaliq/production/db.sql.gz', where)).toBe('thermaliq/production/db.sql.gz');
    expect(resolveBackupKey('db.sql.gz', where)).toBe('thermaliq/production/db.sql.gz');
    expect(resolveBackupKey('pre-restore/r-1.sql.gz', where)).toBe('thermaliq/production/pre-restore/r-1.sql.gz');
    expect(resolveBackupKey('daily/db.dump', { bucket: 'b', prefix: '' })).toBe('daily/db.dump');
  });

  it('refuses keys under another prefix, naming the environment when it is a sibling', () => {
    const where = {
      bucket: 'greenlang-backups',
      prefix: 'thermaliq/production/',
      others: [{ environment: 'staging', prefix: 'thermaliq/staging/' }],
    };
    const refusal = (key: string) => {
      try {
        resolveBackupKey(key, where);
        return undefined;
      } catch (err) {
        return err instanceof UserError ? `${err.code}: ${err.message}` : String(err);
      }
    };
    expect(refusal('thermaliq/staging/db.sql.gz')).toBe(
      'invalid_arguments: Backup key "thermaliq/staging/db.sql.gz" is under the staging environment\'s prefix thermaliq/staging/, not s3://greenlang-backups/thermaliq/production/.',
    );
    expect(refusal('thermaliq/archive/db.sql.gz')).toBe(
      'invalid_arguments: Backup key "thermaliq/archive/db.sql.gz" is outside this environment\'s backups (s3://greenlang-backups/thermaliq/production/).',
    );
    expect(refusal('thermaliq/production/')).toMatch(/names a folder, not a backup/);
    expect(refusal('../x')).toMatch(/^invalid_arguments: Backup key "\.\.\/x" contains a "\.\." segment/);
    expect(refusal('a\nb')).toBe('invalid_arguments: Backup key "a?b" contains control characters.');
  });
});

describe('restore validate refuses keys that do not name a backup of this environment', () => {
  let world: World;
  let ctx: RunbookContext;

  beforeAll(async () => {
    world = await createWorld();
    ctx = runContext(world, 'r-validate');
    await world.s3.putObject(world.s3.bucket, 'thermaliq/elsewhere/db.sql.gz', 'x');
    await world.s3.putObject(world.s3.bucket, `${world.backupPrefix}empty.sql`, '');
  });
  afterAll(async () => {
    await ctx.infra.close();
    await world.close();
  });

  async function refusal(key: string): Promise<string> {
    const err = await restoreRunbook.validate?.(ctx, { key }).catch((e: unknown) => e);
    if (!(err instanceof UserError)) throw new Error(`expected a UserError for ${key}, got ${String(err)}`);
    return `${err.code}: ${err.message}`;
  }

  it('another prefix, even when the object exists there', async () => {
    expect(await refusal('thermaliq/elsewhere/db.sql.gz')).toBe(
      `invalid_arguments: Backup key "thermaliq/elsewhere/db.sql.gz" is outside this environment's backups (s3://thermaliq-backups/${world.backupPrefix}).`,
    );
  });

  it('a key that does not exist', async () => {
    expect(await refusal('thermaliq-19990101-000000.sql.gz')).toBe(
      `not_found: No backup ${world.backupPrefix}thermaliq-19990101-000000.sql.gz under s3://thermaliq-backups/${world.backupPrefix}.`,
    );
  });

  it('an empty object', async () => {
    expect(await refusal('empty.sql')).toBe(
      `invalid_arguments: Backup ${world.backupPrefix}empty.sql is empty (0 bytes); refusing it.`,
    );
  });

  it('traversal and absolute paths, even if params validation were skipped', async () => {
    expect(await refusal('../x')).toMatch(/^invalid_arguments: Backup key "\.\.\/x" contains a "\.\." segment/);
    expect(await refusal('/etc/passwd')).toMatch(/^invalid_arguments: Backup key "\/etc\/passwd" is an absolute path/);
    expect(await refusal(`${world.backupPrefix}a/../../b.sql`)).toMatch(/contains a "\.\." segment/);
  });

  it('an existing key passes', async () => {
    // The world's own fresh backup.
    const existing = (await ctx.infra.backups?.listBackups())?.find((b) => b.size > 0)?.key ?? '';
    expect(existing).toMatch(/thermaliq-\d+\.sql\.gz$/);
    await expect(restoreRunbook.validate?.(ctx, { key: existing })).resolves.toBeUndefined();
  });
});
