import { z } from 'zod';
import { UserError } from '../errors.js';

/** S3's limit on a key's length in bytes. */
const maxKeyBytes = 1024;

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what we refuse.
const controlChars = /[\u0000-\u001F\u007F]/;
const urlScheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

/**
 * Why a backup key cannot be used whatever the environment, or undefined when its shape is fine. The reasons are
 * written for the person who typed the key.
 */
export function backupKeyProblem(key: string): string | undefined {
  if (key.trim() === '') return 'is empty; give the name of a backup, e.g. thermaliq-20260101-020000.sql.gz';
  if (Buffer.byteLength(key) > maxKeyBytes) return `is longer than S3's ${maxKeyBytes}-byte limit`;
  if (controlChars.test(key)) return 'contains control characters';
  if (urlScheme.test(key)) return 'is a URL; give the key under the backup prefix, without the scheme and bucket';
  if (key.includes('\\')) return 'contains a backslash; S3 keys separate folders with /';
  if (key.startsWith('/')) return 'is an absolute path; give a key under the backup prefix, not a file on a server';
  const segments = key.split('/');
  if (segments.includes('..')) return 'contains a ".." segment; a key cannot climb out of the backup prefix';
  if (segments.includes('.')) return 'contains a "." segment';
  if (key.endsWith('/')) return 'names a folder, not a backup';
  if (segments.includes('')) return 'contains an empty folder name (//)';
  return undefined;
}

/** The params schema of a backup key: a string whose shape {@link backupKeyProblem} accepts. */
export const backupKeyParam = z.string().superRefine((key, ctx) => {
  const problem = backupKeyProblem(key);
  if (problem) ctx.addIssue({ code: 'custom', message: `the backup key ${problem}` });
});

/** Where an environment's backups live, and the prefixes of its sibling environments (for clearer refusals). */
export interface BackupPrefixes {
  bucket: string;
  prefix: string;
  others?: { environment: string; prefix: string }[];
}

/** The key as it may be quoted back: short, and with nothing unprintable. */
function shown(key: string): string {
  const printable = key.replace(/[^\x20-\x7E]/g, '?');
  return printable.length > 80 ? `${printable.slice(0, 77)}...` : printable;
}

/**
 * The full S3 key a user's key names: either the full key under the environment's prefix, or a name relative to
 * it. A key under another environment's prefix, or that shares the prefix's top folder but leaves it, is refused
 * with the reason. Pure: whether the object exists is checked by the caller.
 */
export function resolveBackupKey(input: string, where: BackupPrefixes): string {
  const refuse = (reason: string) => new UserError('invalid_arguments', `Backup key "${shown(input)}" ${reason}.`);
  const problem = backupKeyProblem(input);
  if (problem) throw refuse(problem);
  const { prefix } = where;
  const location = `s3://${where.bucket}/${prefix}`;
  if (prefix === '' || input.startsWith(prefix)) {
    if (input === prefix) throw refuse('names the backup prefix itself, not a backup');
    return input;
  }
  for (const other of where.others ?? []) {
    if (other.prefix !== '' && other.prefix !== prefix && input.startsWith(other.prefix)) {
      throw refuse(`is under the ${other.environment} environment's prefix ${other.prefix}, not ${location}`);
    }
  }
  const top = prefix.split('/')[0];
  if (input.includes('/') && top !== undefined && input.split('/')[0] === top) {
    throw refuse(`is outside this environment's backups (${location})`);
  }
  return `${prefix}${input}`;
}
