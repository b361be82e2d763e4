import { z } from 'zod';
import type { PgSession } from './pg-session.js';

const num = z.coerce.number();

/** pg_partman in this database: where it lives, or that it is not there. */
export type PartmanState =
  | { installed: true; schema: string; version: string }
  | { installed: false; available: boolean };

/** One parent table pg_partman manages (a row of part_config), with its current partitions. */
export interface PartmanParent {
  parentTable: string;
  interval: string;
  premake: number;
  partitions: number;
}

/** A natively partitioned table, whether or not pg_partman manages it. */
export interface PartitionedTable {
  table: string;
  partitions: number;
}

/** Whether the pg_partman extension is created in this database, and in which schema. */
export async function partmanState(session: PgSession): Promise<PartmanState> {
  const [ext] = await session.rows(
    z.object({ schema: z.string(), version: z.string() }),
    `SELECT n.nspname AS schema, e.extversion AS version FROM pg_catalog.pg_extension e
       JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_partman'`,
  );
  if (ext) return { installed: true, schema: ext.schema, version: ext.version };
  const [avail] = await session.rows(
    z.object({ available: z.boolean() }),
    `SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_available_extensions WHERE name = 'pg_partman') AS available`,
  );
  return { installed: false, available: avail?.available ?? false };
}

/**
 * The guide's "Check partition status" (`SELECT parent_table, ..., premake FROM partman.part_config`), with the
 * number of partitions each parent has now. The extension's schema is quoted by the driver.
 */
export async function partmanParents(session: PgSession, schema: string, limit: number): Promise<PartmanParent[]> {
  const rows = await session.rows(
    z.object({ parent_table: z.string(), partition_interval: z.string(), premake: num, partitions: num }),
    `SELECT p.parent_table, p.partition_interval, p.premake,
            (SELECT count(*) FROM pg_catalog.pg_inherits i WHERE i.inhparent = to_regclass(p.parent_table)) AS partitions
       FROM ${session.ident(schema)}.part_config p ORDER BY p.parent_table LIMIT $1`,
    [limit],
  );
  return rows.map((r) => ({
    parentTable: r.parent_table,
    interval: r.partition_interval,
    premake: r.premake,
    partitions: r.partitions,
  }));
}

/** Natively partitioned tables (relkind p) with their partition counts. */
export async function partitionedTables(session: PgSession, limit: number): Promise<PartitionedTable[]> {
  return session.rows(
    z.object({ table: z.string(), partitions: num }),
    `SELECT n.nspname || '.' || c.relname AS table,
            (SELECT count(*) FROM pg_catalog.pg_inherits i WHERE i.inhparent = c.oid) AS partitions
       FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'p' AND NOT c.relispartition ORDER BY 1 LIMIT $1`,
    [limit],
  );
}

/** `CALL partman.run_maintenance_proc()`: creates the premade partitions and applies retention for every parent. */
export async function runPartmanMaintenance(session: PgSession, schema: string): Promise<void> {
  await session.client.query(`CALL ${session.ident(schema)}.run_maintenance_proc()`);
}
