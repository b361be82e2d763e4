import pg from 'pg';
import { z } from 'zod';
import { messageOf } from '../errors.js';
import { abortable } from './abortable.js';
import { parsePgUrl, pgLabel } from './pg-connection.js';
import { withPgSession } from './pg-session.js';

/** The application name of the bot's own login check, so the reconnect check does not count it. */
const loginCheckApplication = 'chatops-password-check';

/** A role as the rotation sees it before changing anything. */
export interface RoleFacts {
  exists: boolean;
  canLogin: boolean;
  /** Sessions of the role now (pg_stat_activity). */
  sessions: number;
}

const factsRow = z.object({ can_login: z.boolean(), sessions: z.coerce.number().int() });

/** Whether the role exists and may log in, and how many sessions it has. */
export async function roleFacts(url: string, role: string, signal: AbortSignal): Promise<RoleFacts> {
  return withPgSession(url, { signal }, async (s) => {
    const rows = await s.rows(
      factsRow,
      `SELECT r.rolcanlogin AS can_login,
              (SELECT count(*) FROM pg_stat_activity a WHERE a.usename = r.rolname) AS sessions
         FROM pg_roles r WHERE r.rolname = $1`,
      [role],
    );
    const row = rows[0];
    return row
      ? { exists: true, canLogin: row.can_login, sessions: row.sessions }
      : { exists: false, canLogin: false, sessions: 0 };
  });
}

const timeRow = z.object({ at: z.coerce.date() });

/**
 * `ALTER ROLE … PASSWORD …` and the server's clock right after it. ALTER ROLE takes no bind parameters, so the
 * literal is escaped with the driver's escapeLiteral; the statement is never logged or put in an error, and the
 * server hashes it (password_encryption) before storing it.
 */
export async function setRolePassword(url: string, role: string, password: string, signal: AbortSignal): Promise<Date> {
  return withPgSession(url, { signal }, async (s) => {
    try {
      await s.client.query(`ALTER ROLE ${s.ident(role)} PASSWORD ${s.client.escapeLiteral(password)}`);
    } catch (err) {
      // pg's errors carry the server's message (never the statement); keep only that.
      throw new Error(`ALTER ROLE ${role} failed: ${messageOf(err)}`);
    }
    const rows = await s.rows(timeRow, 'SELECT clock_timestamp() AS at');
    return rows[0]?.at ?? new Date();
  });
}

const countRow = z.object({ n: z.coerce.number().int() });

/** Sessions of `role` that logged in after `since` (server time), other than the bot's own login check. */
export async function roleSessionsSince(url: string, role: string, since: Date, signal: AbortSignal): Promise<number> {
  return withPgSession(url, { signal }, async (s) => {
    const rows = await s.rows(
      countRow,
      `SELECT count(*) AS n FROM pg_stat_activity
        WHERE usename = $1 AND backend_start >= $2 AND application_name NOT IN ($3, 'chatops-bot')`,
      [role, since, loginCheckApplication],
    );
    return rows[0]?.n ?? 0;
  });
}

/** Logs in to the target database's server as `role` with `password`; throws with the server's reason if refused. */
export async function checkLogin(url: string, role: string, password: string, signal: AbortSignal): Promise<void> {
  const c = parsePgUrl(url);
  const client = new pg.Client({
    host: c.host,
    port: Number(c.port),
    database: c.database,
    user: role,
    password,
    connectionTimeoutMillis: 10_000,
    application_name: loginCheckApplication,
    ...(c.sslmode && c.sslmode !== 'disable' ? { ssl: { rejectUnauthorized: c.sslmode === 'verify-full' } } : {}),
  });
  client.on('error', () => {});
  try {
    await abortable(client.connect(), signal, () => client.connection.stream.destroy());
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    throw new Error(`${role} cannot log in to ${pgLabel(c)}: ${messageOf(err)}`);
  } finally {
    await client.end().catch(() => {});
  }
}
