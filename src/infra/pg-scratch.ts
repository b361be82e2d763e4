import { withPgSession } from './pg-session.js';

/** PostgreSQL's identifier limit (NAMEDATALEN - 1). */
const maxIdentifier = 63;

/**
 * A scratch database name for a run: `<prefix>_<role>_<run id>`, lowercase letters, digits and `_` only, at most 63
 * characters; the prefix is what gets shortened, so two roles of one run never share a name. It comes from the run id, so a re-delivered step finds (and drops) what an interrupted one created.
 */
export function scratchDatabaseName(prefix: string, runId: string, role?: string): string {
  const clean = (s: string) =>
    s
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '');
  const id = [role && clean(role), clean(runId) || 'run'].filter(Boolean).join('_');
  const head = clean(prefix).slice(0, Math.max(1, maxIdentifier - id.length - 1)) || 'scratch';
  return `${head}_${id}`.slice(0, maxIdentifier);
}

/** The same server and credentials as `url`, on another database. */
export function databaseUrl(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

/** Drops the database if it exists, ending any sessions still in it (PostgreSQL 13+). */
export async function dropDatabase(url: string, database: string, signal: AbortSignal): Promise<void> {
  await withPgSession(url, { signal, statementTimeoutMs: 120_000 }, async (s) => {
    await s.client.query(`DROP DATABASE IF EXISTS ${s.ident(database)} WITH (FORCE)`);
  });
}

/**
 * Creates an empty database on the server of `url` (from template0, so nothing of template1 leaks into a restore
 * test), dropping a leftover of the same name first. The connecting user needs CREATEDB.
 */
export async function createScratchDatabase(url: string, database: string, signal: AbortSignal): Promise<void> {
  await withPgSession(url, { signal, statementTimeoutMs: 120_000 }, async (s) => {
    await s.client.query(`DROP DATABASE IF EXISTS ${s.ident(database)} WITH (FORCE)`);
    await s.client.query(`CREATE DATABASE ${s.ident(database)} TEMPLATE template0`);
  });
}

/** Whether a database of that name exists on the server of `url`. */
export async function databaseExists(url: string, database: string, signal: AbortSignal): Promise<boolean> {
  return withPgSession(url, { signal }, async (s) => {
    const r = await s.client.query('SELECT 1 FROM pg_catalog.pg_database WHERE datname = $1', [database]);
    return (r.rowCount ?? 0) > 0;
  });
}
