import { z } from 'zod';
import { databaseUrl } from './pg-scratch.js';
import { type PgSession, withPgSession } from './pg-session.js';

/** The mark a restore leaves on the databases it creates or keeps, as a database comment (shared catalog). */
export const keptMark = z.object({
  chatops: z.enum(['restored', 'pre-restore', 'rolled-back']),
  run: z.string(),
  production: z.string(),
  at: z.string(),
});
/** Why a database exists beside production, and since when. */
export type KeptMark = z.infer<typeof keptMark>;

/** Where one database stands on the server. */
export interface DatabaseState {
  name: string;
  exists: boolean;
  sizeBytes: number | null;
  allowsConnections: boolean | null;
  mark: KeptMark | null;
}

const stateRow = z.object({
  datname: z.string(),
  size: z.coerce.number().nullable(),
  datallowconn: z.boolean(),
  comment: z.string().nullable(),
});

/** The server's maintenance database: statements about other databases run from there, never from them. */
function maintenanceUrl(url: string): string {
  return databaseUrl(url, 'postgres');
}

function parseMark(comment: string | null): KeptMark | null {
  if (!comment) return null;
  try {
    const parsed = keptMark.safeParse(JSON.parse(comment));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

const stateQuery = `SELECT d.datname, pg_catalog.pg_database_size(d.oid) AS size, d.datallowconn,
  pg_catalog.shobj_description(d.oid, 'pg_database') AS comment
  FROM pg_catalog.pg_database d`;

/** Where each named database stands: whether it exists, its size and the restore's mark on it. */
export async function databaseStates(url: string, names: string[], signal: AbortSignal): Promise<DatabaseState[]> {
  const rows = await withPgSession(maintenanceUrl(url), { signal }, (s) =>
    s.rows(stateRow, `${stateQuery} WHERE d.datname = ANY($1::text[])`, [names]),
  );
  return names.map((name) => {
    const row = rows.find((r) => r.datname === name);
    return row
      ? { name, exists: true, sizeBytes: row.size, allowsConnections: row.datallowconn, mark: parseMark(row.comment) }
      : { name, exists: false, sizeBytes: null, allowsConnections: null, mark: null };
  });
}

/** The databases a restore kept beside `production` (pre-restore copies, rolled-back ones, unfinished restores). */
export async function keptDatabases(url: string, production: string, signal: AbortSignal): Promise<DatabaseState[]> {
  const rows = await withPgSession(maintenanceUrl(url), { signal }, (s) =>
    s.rows(stateRow, `${stateQuery} WHERE pg_catalog.shobj_description(d.oid, 'pg_database') LIKE '{"chatops"%'`),
  );
  return rows
    .map((r) => ({
      name: r.datname,
      exists: true,
      sizeBytes: r.size,
      allowsConnections: r.datallowconn,
      mark: parseMark(r.comment),
    }))
    .filter((d) => d.mark?.production === production && d.name !== production)
    .sort((a, b) => (a.mark?.at ?? '').localeCompare(b.mark?.at ?? ''));
}

async function setMark(s: PgSession, name: string, mark: KeptMark | null): Promise<void> {
  const text = mark === null ? 'NULL' : s.client.escapeLiteral(JSON.stringify(mark));
  await s.client.query(`COMMENT ON DATABASE ${s.ident(name)} IS ${text}`);
}

const templateRow = z.object({
  owner: z.string(),
  encoding: z.string(),
  collate: z.string(),
  ctype: z.string(),
  may_own: z.boolean(),
});
const settingRow = z.object({ setting: z.string() });

/**
 * Creates an empty database beside production for a restore: same encoding and locale, the same owner where we may
 * give it, and production's database-level settings (ALTER DATABASE ... SET). A leftover of the same name (an
 * interrupted attempt of the same run) is dropped first. It carries the restore's mark until it is swapped in.
 */
export async function createRestoreDatabase(
  url: string,
  opts: { production: string; name: string; mark: KeptMark },
  signal: AbortSignal,
): Promise<{ owner: string; ownerKept: boolean }> {
  return withPgSession(maintenanceUrl(url), { signal, statementTimeoutMs: 120_000 }, async (s) => {
    const [t] = await s.rows(
      templateRow,
      `SELECT pg_catalog.pg_get_userbyid(d.datdba) AS owner, pg_catalog.pg_encoding_to_char(d.encoding) AS encoding,
         d.datcollate AS collate, d.datctype AS ctype,
         pg_catalog.pg_has_role(d.datdba, 'MEMBER') AS may_own
       FROM pg_catalog.pg_database d WHERE d.datname = $1`,
      [opts.production],
    );
    if (!t) throw new Error(`database ${opts.production} does not exist on the server`);
    const settings = await s.rows(
      settingRow,
      `SELECT unnest(r.setconfig) AS setting FROM pg_catalog.pg_db_role_setting r
       JOIN pg_catalog.pg_database d ON d.oid = r.setdatabase WHERE d.datname = $1 AND r.setrole = 0`,
      [opts.production],
    );
    await s.client.query(`DROP DATABASE IF EXISTS ${s.ident(opts.name)} WITH (FORCE)`);
    const lit = (v: string) => s.client.escapeLiteral(v);
    await s.client.query(
      `CREATE DATABASE ${s.ident(opts.name)} TEMPLATE template0 ENCODING ${lit(t.encoding)} LC_COLLATE ${lit(t.collate)} LC_CTYPE ${lit(t.ctype)}${t.may_own ? ` OWNER ${s.ident(t.owner)}` : ''}`,
    );
    for (const { setting } of settings) {
      const eq = setting.indexOf('=');
      await s.client.query(
        `ALTER DATABASE ${s.ident(opts.name)} SET ${s.ident(setting.slice(0, eq))} TO ${lit(setting.slice(eq + 1))}`,
      );
    }
    await setMark(s, opts.name, opts.mark);
    return { owner: t.owner, ownerKept: t.may_own };
  });
}

/**
 * Lets a database take connections again, if a swap left it closed (a worker that died between closing production
 * and the renames); true when it had to.
 */
export async function reopenDatabase(url: string, name: string, signal: AbortSignal): Promise<boolean> {
  return withPgSession(maintenanceUrl(url), { signal }, async (s) => {
    const [row] = await s.rows(stateRow, `${stateQuery} WHERE d.datname = $1`, [name]);
    if (!row || row.datallowconn) return false;
    await s.client.query(`ALTER DATABASE ${s.ident(name)} ALLOW_CONNECTIONS true`);
    return true;
  });
}

/** Drops a database the restore made or kept (ending its sessions). */
export async function dropKeptDatabase(url: string, name: string, signal: AbortSignal): Promise<void> {
  await withPgSession(maintenanceUrl(url), { signal, statementTimeoutMs: 120_000 }, async (s) => {
    await s.client.query(`DROP DATABASE IF EXISTS ${s.ident(name)} WITH (FORCE)`);
  });
}

/** What a swap did: how many sessions it ended and how long production could not be connected to. */
export interface SwapResult {
  sessionsEnded: number;
  closedMs: number;
}

const countRow = z.object({ n: z.coerce.number() });
// Sessions reconnect (a pooler, a cron job) between our terminate and the rename; a few rounds end them.
const swapAttempts = 5;

/**
 * Puts `incoming` in production's place: production stops taking connections, its sessions (and any on `incoming`)
 * are ended, then both renames happen in one transaction, so either both took effect or neither did. Production's
 * old database is kept as `keepAs`, marked. On failure nothing is renamed and production takes connections again.
 */
export async function swapDatabases(
  url: string,
  opts: { production: string; incoming: string; keepAs: string; keepMark: KeptMark },
  signal: AbortSignal,
): Promise<SwapResult> {
  const started = performance.now();
  return withPgSession(
    maintenanceUrl(url),
    { signal, statementTimeoutMs: 60_000, lockTimeoutMs: 10_000 },
    async (s) => {
      const { production, incoming, keepAs } = opts;
      let ended = 0;
      await s.client.query(`ALTER DATABASE ${s.ident(production)} ALLOW_CONNECTIONS false`);
      try {
        for (let attempt = 1; ; attempt++) {
          const [row] = await s.rows(
            countRow,
            `SELECT count(pg_catalog.pg_terminate_backend(pid, 5000)) AS n FROM pg_catalog.pg_stat_activity
           WHERE datname = ANY($1::text[]) AND pid <> pg_catalog.pg_backend_pid()`,
            [[production, incoming]],
          );
          ended += row?.n ?? 0;
          try {
            await s.client.query('BEGIN');
            await s.client.query(`ALTER DATABASE ${s.ident(production)} RENAME TO ${s.ident(keepAs)}`);
            await s.client.query(`ALTER DATABASE ${s.ident(incoming)} RENAME TO ${s.ident(production)}`);
            await s.client.query('COMMIT');
            break;
          } catch (err) {
            await s.client.query('ROLLBACK').catch(() => {});
            // 55006: "database is being accessed by other users"; anything else will not pass by retrying.
            const code = (err as { code?: string }).code;
            if (code !== '55006' || attempt >= swapAttempts) throw err;
          }
        }
      } catch (err) {
        await s.client.query(`ALTER DATABASE ${s.ident(production)} ALLOW_CONNECTIONS true`).catch(() => {});
        throw err;
      }
      // Both take connections again (a swap-back brings in a database a crashed swap may have left closed).
      await s.client.query(`ALTER DATABASE ${s.ident(production)} ALLOW_CONNECTIONS true`);
      await s.client.query(`ALTER DATABASE ${s.ident(keepAs)} ALLOW_CONNECTIONS true`);
      await setMark(s, keepAs, opts.keepMark);
      await setMark(s, production, null);
      return { sessionsEnded: ended, closedMs: Math.round(performance.now() - started) };
    },
  );
}
