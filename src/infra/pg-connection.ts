import { UserError } from '../errors.js';

/** The parts of a PostgreSQL URL the command-line tools need. */
export interface PgConnection {
  host: string;
  port: string;
  user: string | undefined;
  password: string | undefined;
  database: string;
  sslmode: string | undefined;
  sslrootcert: string | undefined;
}

/** Splits a postgres:// URL into its parts; throws a UserError naming what is wrong, never quoting the URL. */
export function parsePgUrl(url: string): PgConnection {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UserError('unavailable', 'The target database URL is not a valid URL.');
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new UserError('unavailable', 'The target database URL must start with postgres:// or postgresql://.');
  }
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (database === '') throw new UserError('unavailable', 'The target database URL names no database.');
  // IPv6 hosts come bracketed from URL; libpq wants them bare.
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1') || u.searchParams.get('host') || 'localhost';
  return {
    host,
    port: u.port || u.searchParams.get('port') || '5432',
    user: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    database,
    sslmode: u.searchParams.get('sslmode') ?? undefined,
    sslrootcert: u.searchParams.get('sslrootcert') ?? undefined,
  };
}

/**
 * The environment for pg_dump, pg_restore and psql. Credentials travel here and never on the command line, where
 * `ps` would show them. The parent's other PG* variables are deliberately not inherited: a stray PGOPTIONS or
 * PGSERVICE on the bot's host must not redirect a restore.
 */
export function pgToolEnvironment(conn: PgConnection, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    PGHOST: conn.host,
    PGPORT: conn.port,
    PGDATABASE: conn.database,
    PGAPPNAME: 'chatops-bot',
    PGCONNECT_TIMEOUT: '10',
    // Messages are parsed by people, but in one language.
    LC_MESSAGES: 'C',
    ...extra,
  };
  // HOME lets libpq find ~/.pgpass and ~/.postgresql certificates when the URL carries no password.
  if (process.env.HOME) env.HOME = process.env.HOME;
  if (conn.user) env.PGUSER = conn.user;
  if (conn.password) env.PGPASSWORD = conn.password;
  if (conn.sslmode) env.PGSSLMODE = conn.sslmode;
  if (conn.sslrootcert) env.PGSSLROOTCERT = conn.sslrootcert;
  return env;
}

/** `host:port/database`, for plans and messages (no user, no password). */
export function pgLabel(conn: PgConnection): string {
  return `${conn.host}:${conn.port}/${conn.database}`;
}

/** A libpq conninfo naming only the database (for `pg_restore -d`), quoted so no name is read as a conninfo. */
export function dbnameConninfo(database: string): string {
  return `dbname='${database.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
