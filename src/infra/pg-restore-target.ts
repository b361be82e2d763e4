import { z } from 'zod';
import { startTool } from './child-tool.js';
import { parsePgUrl } from './pg-connection.js';
import { withPgSession } from './pg-session.js';

/** A role a dump names, as the target server has it. */
export interface TargetRole {
  name: string;
  exists: boolean;
  /** It exists, and the restoring user may make it an owner (a member of it, or a superuser). */
  mayOwn: boolean;
}

/** An extension a dump creates, as the target server has it. */
export interface TargetExtension {
  name: string;
  available: boolean;
  installed: boolean;
  /** Creating it needs a superuser (it is not a trusted extension). */
  needsSuperuser: boolean;
}

/** What a restore plan needs to know about the target server and its production database. */
export interface RestoreTargetFacts {
  host: string;
  port: string;
  database: string;
  sizeBytes: number;
  serverVersion: string;
  serverMajor: number;
  user: string;
  superuser: boolean;
  /** May create databases (CREATEDB or superuser). */
  createdb: boolean;
  /** Owns the production database, so it may rename it (with CREATEDB). */
  ownsDatabase: boolean;
  /** May end other roles' sessions (pg_signal_backend or superuser). */
  mayEndSessions: boolean;
  roles: TargetRole[];
  extensions: TargetExtension[];
  /** `schema.table` of production's tables outside the system schemas. */
  tables: string[];
}

const whoRow = z.object({
  database: z.string(),
  size: z.coerce.number(),
  version: z.string(),
  version_num: z.coerce.number(),
  user: z.string(),
  superuser: z.boolean(),
  createdb: z.boolean(),
  owns: z.boolean(),
  signal: z.boolean(),
});
const roleRow = z.object({ name: z.string(), may_own: z.boolean() });
const extensionRow = z.object({ name: z.string(), installed: z.boolean(), superuser: z.boolean() });
const tableRow = z.object({ name: z.string() });

/** Reads the target's facts for a restore plan in one short session. */
export async function restoreTargetFacts(
  url: string,
  dump: { roles: string[]; extensions: string[] },
  signal: AbortSignal,
): Promise<RestoreTargetFacts> {
  const conn = parsePgUrl(url);
  return withPgSession(url, { signal }, async (s) => {
    const [who] = await s.rows(
      whoRow,
      `SELECT current_database() AS database, pg_catalog.pg_database_size(current_database()) AS size,
         current_setting('server_version') AS version, current_setting('server_version_num') AS version_num,
         current_user AS "user", r.rolsuper AS superuser, (r.rolcreatedb OR r.rolsuper) AS createdb,
         (d.datdba = r.oid OR r.rolsuper) AS owns,
         (r.rolsuper OR pg_catalog.pg_has_role('pg_signal_backend', 'MEMBER')) AS signal
       FROM pg_catalog.pg_roles r, pg_catalog.pg_database d
       WHERE r.rolname = current_user AND d.datname = current_database()`,
    );
    if (!who) throw new Error('the server did not describe the current user');
    const roles = await s.rows(
      roleRow,
      `SELECT rolname AS name, pg_catalog.pg_has_role(rolname, 'MEMBER') AS may_own
       FROM pg_catalog.pg_roles WHERE rolname = ANY($1::text[])`,
      [dump.roles],
    );
    const extensions = await s.rows(
      extensionRow,
      `SELECT v.name, bool_or(v.installed) AS installed, bool_and(v.superuser AND NOT v.trusted) AS superuser
       FROM pg_catalog.pg_available_extension_versions v WHERE v.name = ANY($1::text[]) GROUP BY v.name`,
      [dump.extensions],
    );
    const tables = await s.rows(
      tableRow,
      `SELECT n.nspname || '.' || c.relname AS name FROM pg_catalog.pg_class c
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
         AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
         AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e WHERE e.objid = c.oid AND e.deptype = 'e')
       ORDER BY 1`,
    );
    return {
      host: conn.host,
      port: conn.port,
      database: who.database,
      sizeBytes: who.size,
      serverVersion: who.version,
      serverMajor: Math.floor(who.version_num / 10_000),
      user: who.user,
      superuser: who.superuser,
      createdb: who.createdb,
      ownsDatabase: who.owns,
      mayEndSessions: who.signal,
      roles: dump.roles.map((name) => {
        const r = roles.find((x) => x.name === name);
        return { name, exists: r !== undefined, mayOwn: r !== undefined && (who.superuser || r.may_own) };
      }),
      extensions: dump.extensions.map((name) => {
        const e = extensions.find((x) => x.name === name);
        return {
          name,
          available: e !== undefined,
          installed: e?.installed ?? false,
          needsSuperuser: e?.superuser ?? false,
        };
      }),
      tables: tables.map((t) => t.name),
    };
  });
}

let toolsMajor: Promise<number> | undefined;

/** The major version of our psql and pg_restore (asked once per process). */
export function clientToolsMajor(): Promise<number> {
  toolsMajor ??= (async () => {
    const tool = startTool('pg_restore', ['--version'], {
      env: { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin' },
      signal: AbortSignal.timeout(10_000),
      stdin: 'ignore',
      stdout: 'pipe',
    });
    let out = '';
    tool.child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    await tool.exited;
    const m = /(\d+)(?:\.\d+)?/.exec(out);
    if (!m?.[1]) throw new Error(`pg_restore --version said ${out.trim()}`);
    return Number(m[1]);
  })();
  toolsMajor.catch(() => {
    toolsMajor = undefined;
  });
  return toolsMajor;
}
