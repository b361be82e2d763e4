import { z } from 'zod';
import type { PgSession } from './pg-session.js';

/** A server setting as tuning needs it: its raw value, how it is shown, where it comes from and when it applies. */
export interface TunableSetting {
  name: string;
  /** The raw value in the setting's own unit (e.g. 8kB pages for shared_buffers). */
  setting: string;
  unit: string | null;
  /** As SHOW prints it (`128MB`), which ALTER SYSTEM SET accepts back. */
  shown: string;
  /** `postmaster` settings take effect only after a restart. */
  context: string;
  /** True when the configuration file holds a value that waits for a restart. */
  pendingRestart: boolean;
  /** Where the value comes from: default, configuration file, ... */
  source: string;
  /** The file the value comes from; null without the privilege to see it (pg_read_all_settings). */
  sourcefile: string | null;
}

const settingRow = z.object({
  name: z.string(),
  setting: z.string(),
  unit: z.string().nullable(),
  shown: z.string(),
  context: z.string(),
  pendingRestart: z.boolean(),
  source: z.string(),
  sourcefile: z.string().nullable(),
});

/** The named settings from pg_settings (names the server does not know are absent). */
export async function readTunableSettings(session: PgSession, names: readonly string[]): Promise<TunableSetting[]> {
  return session.rows(
    settingRow,
    `SELECT name, setting, unit, current_setting(name) AS shown, context, pending_restart AS "pendingRestart",
            source, sourcefile
       FROM pg_catalog.pg_settings WHERE name = ANY ($1) ORDER BY name`,
    [names],
  );
}

/** Whether the value was written by ALTER SYSTEM (postgresql.auto.conf) rather than postgresql.conf or the default. */
export function fromAutoConf(s: Pick<TunableSetting, 'sourcefile'>): boolean {
  return s.sourcefile?.endsWith('postgresql.auto.conf') ?? false;
}

/** `ALTER SYSTEM SET name = 'value'`, quoted by the driver. `name` must come from pg_settings, never from a person. */
export function alterSystemSet(session: PgSession, name: string, value: string): string {
  return `ALTER SYSTEM SET ${session.ident(name)} = ${session.client.escapeLiteral(value)}`;
}

/**
 * `ALTER SYSTEM SET` for a custom setting (`chatops.…`). PostgreSQL before 17 refuses ALTER SYSTEM on a custom
 * name the session does not know ("unrecognized configuration parameter"), so the session declares it first with a
 * SET of its own, which lasts only as long as the session.
 */
export function alterSystemSetCustom(session: PgSession, name: string, value: string): string[] {
  const literal = session.client.escapeLiteral(value);
  return [`SET ${session.ident(name)} = ${literal}`, `ALTER SYSTEM SET ${session.ident(name)} = ${literal}`];
}

/** `ALTER SYSTEM RESET name`: back to postgresql.conf or the built-in default. */
export function alterSystemReset(session: PgSession, name: string): string {
  return `ALTER SYSTEM RESET ${session.ident(name)}`;
}

/** Runs ALTER SYSTEM statements one by one (each rewrites postgresql.auto.conf), then pg_reload_conf(). */
export async function alterSystem(session: PgSession, statements: readonly string[]): Promise<void> {
  for (const sql of statements) await session.client.query(sql);
  await session.client.query('SELECT pg_catalog.pg_reload_conf()');
}

/**
 * A custom setting's value (`chatops.…`) as this session sees it, or undefined when unset. A session reads the
 * configuration file when it starts and on SIGHUP, so a value written by another session's ALTER SYSTEM and
 * pg_reload_conf() shows in a session opened after it.
 */
export async function customSetting(session: PgSession, name: string): Promise<string | undefined> {
  const rows = await session.rows(z.object({ v: z.string().nullable() }), 'SELECT current_setting($1, true) AS v', [
    name,
  ]);
  const v = rows[0]?.v;
  return v === null || v === undefined || v === '' ? undefined : v;
}
