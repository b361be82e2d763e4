import { z } from 'zod';
import type { PgSession } from './pg-session.js';

/** One server setting from pg_settings. */
export interface PgSetting {
  name: string;
  /** The raw value in the setting's own unit (e.g. 8kB pages for shared_buffers). */
  setting: string;
  unit: string | null;
  /** Where the value comes from: default, configuration file, ... */
  source: string;
}

/** A table whose storage parameters override autovacuum. */
export interface AutovacuumOverride {
  schema: string;
  name: string;
  options: string[];
}

/** The named settings from pg_settings (names the server does not know are simply absent). */
export async function readSettings(session: PgSession, names: readonly string[]): Promise<PgSetting[]> {
  return session.rows(
    z.object({ name: z.string(), setting: z.string(), unit: z.string().nullable(), source: z.string() }),
    'SELECT name, setting, unit, source FROM pg_catalog.pg_settings WHERE name = ANY ($1) ORDER BY name',
    [names],
  );
}

/** Tables with autovacuum storage parameters (e.g. autovacuum_enabled=false), which override the server's settings. */
export async function autovacuumOverrides(session: PgSession, limit: number): Promise<AutovacuumOverride[]> {
  const rows = await session.rows(
    z.object({ schema: z.string(), name: z.string(), options: z.array(z.string()) }),
    `SELECT n.nspname AS schema, c.relname AS name,
            ARRAY(SELECT o FROM unnest(c.reloptions) o WHERE o LIKE 'autovacuum%' OR o LIKE 'toast.autovacuum%') AS options
       FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
        AND EXISTS (SELECT 1 FROM unnest(c.reloptions) o WHERE o LIKE 'autovacuum%' OR o LIKE 'toast.autovacuum%')
      ORDER BY 1, 2 LIMIT $1`,
    [limit],
  );
  return rows;
}

const sizeUnits: Record<string, number> = { B: 1, kB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };

/** A setting's value in bytes, when its unit is a size (`8kB` pages, `kB`, `MB`); undefined otherwise. */
export function settingBytes(s: Pick<PgSetting, 'setting' | 'unit'>): number | undefined {
  const value = Number(s.setting);
  if (!Number.isFinite(value) || s.unit === null) return undefined;
  const unit = /^(\d*)(B|kB|MB|GB|TB)$/.exec(s.unit);
  if (!unit) return undefined;
  const scale = sizeUnits[unit[2] ?? ''];
  return scale === undefined ? undefined : value * Number(unit[1] || '1') * scale;
}
