import { z } from 'zod';
import type { PgSession } from './pg-session.js';

/** A table (or materialized view) as the catalog names it. */
export interface TableRef {
  schema: string;
  name: string;
  /** pg_class.relkind: r table, p partitioned table, m materialized view. */
  kind: 'r' | 'p' | 'm';
}

/** A table with what a plan shows about it. */
export interface TableSize extends TableRef {
  /** pg_total_relation_size: heap, indexes and TOAST. */
  totalBytes: number;
  liveTuples: number;
  deadTuples: number;
}

const bigint = z.coerce.number();
const tableRow = z.object({ schema: z.string(), name: z.string(), kind: z.enum(['r', 'p', 'm']) });
const sizeRow = tableRow.extend({ total_bytes: bigint, n_live_tup: bigint, n_dead_tup: bigint });

// Only the service's own relations: system catalogs, TOAST and other sessions' temp tables are never maintained here.
const userRelation = `c.relkind IN ('r', 'p', 'm')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'`;

/** `schema.name`, for people. */
export function qualifiedName(t: Pick<TableRef, 'schema' | 'name'>): string {
  return `${t.schema}.${t.name}`;
}

/** `"schema"."name"`, quoted by the driver: the only form a table name takes inside SQL. */
export function quotedTable(session: Pick<PgSession, 'ident'>, t: Pick<TableRef, 'schema' | 'name'>): string {
  return `${session.ident(t.schema)}.${session.ident(t.name)}`;
}

/**
 * Looks a table up in pg_catalog by its (already validated) name; unqualified names resolve through the search_path
 * as psql would. Returns undefined when there is no such table, and never interpolates the name into SQL.
 */
export async function findTable(
  session: PgSession,
  ref: { schema?: string; name: string },
): Promise<TableRef | undefined> {
  const rows = await session.rows(
    tableRow,
    `SELECT n.nspname AS schema, c.relname AS name, c.relkind::text AS kind
       FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relname = $1 AND ${userRelation}
        AND CASE WHEN $2::text IS NULL THEN pg_catalog.pg_table_is_visible(c.oid) ELSE n.nspname = $2 END
      LIMIT 1`,
    [ref.name, ref.schema ?? null],
  );
  return rows[0];
}

/** How many user tables with storage (tables and materialized views) the database has. */
export async function countUserTables(session: PgSession): Promise<number> {
  const rows = await session.rows(
    z.object({ n: bigint }),
    `SELECT count(*) AS n FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE ${userRelation} AND c.relkind <> 'p'`,
  );
  return rows[0]?.n ?? 0;
}

/**
 * Sizes and tuple counts of the given tables, or of every user table with storage (largest first, at most `limit`)
 * when none are given. Partitioned parents have no storage of their own; their partitions are listed instead.
 */
export async function tableSizes(
  session: PgSession,
  opts: { tables?: readonly Pick<TableRef, 'schema' | 'name'>[]; limit: number },
): Promise<TableSize[]> {
  const names = opts.tables?.map(qualifiedName) ?? null;
  const rows = await session.rows(
    sizeRow,
    `SELECT n.nspname AS schema, c.relname AS name, c.relkind::text AS kind,
            pg_catalog.pg_total_relation_size(c.oid) AS total_bytes,
            coalesce(s.n_live_tup, 0) AS n_live_tup, coalesce(s.n_dead_tup, 0) AS n_dead_tup
       FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_catalog.pg_stat_user_tables s ON s.relid = c.oid
      WHERE ${userRelation}
        AND CASE WHEN $1::text[] IS NULL THEN c.relkind <> 'p' ELSE n.nspname || '.' || c.relname = ANY ($1) END
      ORDER BY total_bytes DESC, schema, name
      LIMIT $2`,
    [names, opts.limit],
  );
  return rows.map((r) => ({
    schema: r.schema,
    name: r.name,
    kind: r.kind,
    totalBytes: r.total_bytes,
    liveTuples: r.n_live_tup,
    deadTuples: r.n_dead_tup,
  }));
}

/** One index and its size on disk. */
export interface IndexSize {
  schema: string;
  table: string;
  index: string;
  sizeBytes: number;
}

/** The indexes of the named tables (`schema.name`), or of every user table when `tables` is undefined; largest first. */
export async function indexSizes(
  session: PgSession,
  opts: { tables?: readonly Pick<TableRef, 'schema' | 'name'>[]; limit: number },
): Promise<IndexSize[]> {
  const rows = await session.rows(
    z.object({ schema: z.string(), table: z.string(), index: z.string(), size: bigint }),
    `SELECT schemaname AS schema, relname AS table, indexrelname AS index,
            pg_catalog.pg_relation_size(indexrelid) AS size
       FROM pg_catalog.pg_stat_user_indexes
      WHERE $1::text[] IS NULL OR schemaname || '.' || relname = ANY ($1)
      ORDER BY size DESC, schema, index LIMIT $2`,
    [opts.tables?.map(qualifiedName) ?? null, opts.limit],
  );
  return rows.map((r) => ({ schema: r.schema, table: r.table, index: r.index, sizeBytes: r.size }));
}
