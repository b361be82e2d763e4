import { z } from 'zod';
import { messageOf, UserError } from '../../../errors.js';
import { agoOf } from '../../../format/words.js';
import { type PgSession, type PgSessionOptions, withPgSession } from '../../../infra/pg-session.js';
import { findTable, qualifiedName, type TableRef } from '../../../infra/pg-tables.js';
import { scrubSecrets } from '../../../log.js';
import type { RunbookContext } from '../../runbook.js';
import { requireDatabaseUrl } from '../backup/backup-context.js';

/**
 * A failure of the target system (unreachable, lock timeout, permission) as a UserError, so people see the cause
 * rather than "failed unexpectedly". Aborts and UserErrors pass through unchanged.
 */
export function targetFailure(err: unknown, signal: AbortSignal): unknown {
  if (signal.aborted || err instanceof UserError) return err;
  const message = scrubSecrets(messageOf(err));
  const hint = /lock timeout/i.test(message)
    ? ' Another session holds a conflicting lock on the table; try again when it is quieter.'
    : '';
  return new UserError('unavailable', `${message}${hint}`, { cause: err });
}

/** Opens a session on the environment's target database for the duration of `work`. */
export async function withTargetDb<T>(
  ctx: Pick<RunbookContext, 'target' | 'signal'>,
  opts: Omit<PgSessionOptions, 'signal'>,
  work: (session: PgSession) => Promise<T>,
): Promise<T> {
  try {
    return await withPgSession(requireDatabaseUrl(ctx.target), { ...opts, signal: ctx.signal }, work);
  } catch (err) {
    throw targetFailure(err, ctx.signal);
  }
}

/** PostgreSQL's identifier limit: NAMEDATALEN - 1. */
const identifier = '[a-z_][a-z0-9_$]{0,62}';
const tableGrammar = new RegExp(`^(?:${identifier}\\.)?${identifier}$`);

/**
 * A table argument: `table` or `schema.table`, each part a plain unquoted identifier of at most 63 characters.
 * Letters are folded to lowercase, as PostgreSQL folds unquoted names. Anything else (quotes, spaces, `;`) is refused
 * here, before the catalog is asked.
 */
export const tableParam = z
  .string()
  .max(127, { message: 'a table name is at most 63 characters (schema and table: 63 each)' })
  .toLowerCase()
  .regex(tableGrammar, {
    message:
      'not a table name: expected table or schema.table, each starting with a letter or _ and made of letters, digits, _ and $ (at most 63 characters)',
  })
  .describe(
    'a table name, table or schema.table, each part starting with a letter or _ and made of letters, digits, _ and $, at most 63 characters long',
  );

/** Splits a validated `schema.table` or `table`. */
export function splitTableName(name: string): { schema?: string; name: string } {
  const dot = name.indexOf('.');
  return dot === -1 ? { name } : { schema: name.slice(0, dot), name: name.slice(dot + 1) };
}

/** The table as pg_catalog knows it, or a UserError saying it does not exist in this database. */
export async function requireTable(session: PgSession, name: string): Promise<TableRef> {
  const found = await findTable(session, splitTableName(name));
  if (!found) {
    const where = name.includes('.') ? '' : ' (searched the search_path; qualify it as schema.table)';
    throw new UserError('not_found', `There is no table ${name} in ${session.label}${where}.`);
  }
  return found;
}

/** `schema.table` of a resolved table, for people. */
export const tableLabel = (t: Pick<TableRef, 'schema' | 'name'>): string => qualifiedName(t);

/** A count argument (`--limit 20`): a whole number within 1..max, `fallback` when absent. */
export function countParam(max: number, fallback: number) {
  return z.coerce
    .number({ message: `expected a whole number from 1 to ${max}` })
    .int({ message: `expected a whole number from 1 to ${max}` })
    .min(1, { message: `expected a whole number from 1 to ${max}` })
    .max(max, { message: `at most ${max}` })
    .default(fallback);
}

/**
 * The words and flags of a command as params: the named positional words in order, extra words as `unexpected`
 * (which a strict schema refuses by name), and the flags as they are.
 */
export function argsAsParams(
  args: string[],
  flags: Record<string, string | true>,
  positional: readonly string[] = [],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  positional.forEach((name, i) => {
    const word = args[i];
    if (word !== undefined) out[name] = word;
  });
  const rest = args.slice(positional.length);
  if (rest.length > 0) out.unexpected = rest.join(' ');
  return { ...out, ...flags };
}

/** A timestamp for a report line: `never`, or ISO to the minute with how long ago. */
export function formatWhen(at: Date | null, now = new Date()): string {
  if (!at) return 'never';
  return `${at.toISOString().slice(0, 16).replace('T', ' ')}Z (${agoOf(now.getTime() - at.getTime())})`;
}
