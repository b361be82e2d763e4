import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sql } from './run-context.js';

const run = promisify(execFile);

/** A backup as people make it, by the guides' own commands or by hand. */
export interface GuideDumpKind {
  /** Short name, used in test titles and as the S3 object's name. */
  name: string;
  /** The file name it gets in the bucket. */
  file: string;
  /** The shell command that writes the file `$OUT` from `$DATABASE_URL`. */
  command: string;
  /** How the plan describes it. */
  described: RegExp;
}

/** Every dump kind the guides make, or an SRE would make by hand. */
export const guideDumpKinds: GuideDumpKind[] = [
  {
    // The VCCI guide's backup CronJob.
    name: 'vcci-cronjob',
    file: 'vcci-backup-20261201-020000.sql.gz',
    command: 'pg_dump "$DATABASE_URL" | gzip > "$OUT"',
    described: /plain SQL, gzipped, made without --clean/,
  },
  {
    name: 'plain',
    file: 'manual.sql',
    command: 'pg_dump "$DATABASE_URL" > "$OUT"',
    described: /plain SQL, made without --clean/,
  },
  {
    name: 'plain-clean',
    file: 'manual-clean.sql.gz',
    command: 'pg_dump --clean "$DATABASE_URL" | gzip > "$OUT"',
    described: /plain SQL, gzipped, made with --clean by/,
  },
  {
    name: 'plain-clean-if-exists',
    file: 'manual-clean-if-exists.sql',
    command: 'pg_dump --clean --if-exists "$DATABASE_URL" > "$OUT"',
    described: /plain SQL, made with --clean --if-exists/,
  },
  {
    // The THERMALIQ guide's DR drill: pg_dump -F c.
    name: 'custom',
    file: 'dr_drill_backup.dump',
    command: 'pg_dump -F c -f "$OUT" "$DATABASE_URL"',
    described: /custom format, made without --clean/,
  },
];

/** Runs a dump command (bash, pipefail) against `url`; the file's bytes. */
export async function makeGuideDump(url: string, command: string): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'guide-dump-'));
  try {
    const out = join(dir, 'dump');
    await run('bash', ['-o', 'pipefail', '-c', command], {
      env: { ...process.env, DATABASE_URL: url, OUT: out },
      timeout: 60_000,
    });
    return await readFile(out);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The roles a VCCI database's objects belong to and are granted to. */
export interface VcciRoles {
  owner: string;
  reader: string;
}

/**
 * Adds what the VCCI guide's database has beyond the guide tables: a tenant schema (`tenant_acme`) with its own
 * table and sequence (set past its rows), the pg_stat_statements extension, an owner role and a read-only role with
 * grants. Role names carry `suffix`, since roles are shared by every database of the server.
 */
export async function seedVcciExtras(url: string, suffix: string): Promise<VcciRoles> {
  const roles = { owner: `vcci_app_${suffix}`, reader: `vcci_reader_${suffix}` };
  await sql(
    url,
    `CREATE ROLE ${roles.owner} NOLOGIN;
     CREATE ROLE ${roles.reader} NOLOGIN;
     CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
     CREATE SCHEMA tenant_acme;
     CREATE TABLE tenant_acme.emissions (
       id bigserial PRIMARY KEY, scope int NOT NULL, tco2e numeric(14,3) NOT NULL, source text
     );
     INSERT INTO tenant_acme.emissions (scope, tco2e, source)
       SELECT 1 + i % 3, i * 1.25, CASE WHEN i % 4 = 0 THEN NULL ELSE 'meter ' || i END FROM generate_series(1, 300) i;
     SELECT setval('tenant_acme.emissions_id_seq', 5000);
     ALTER TABLE tenant_acme.emissions OWNER TO ${roles.owner};
     ALTER TABLE public.calculations OWNER TO ${roles.owner};
     GRANT USAGE ON SCHEMA tenant_acme TO ${roles.reader};
     GRANT SELECT ON ALL TABLES IN SCHEMA tenant_acme TO ${roles.reader};
     GRANT SELECT ON public.tenants, public.energy_readings TO ${roles.reader};`,
  );
  return roles;
}

/** Drops the roles, as on a server the backup is restored to that never had them. */
export async function dropVcciRoles(url: string, roles: VcciRoles): Promise<void> {
  await sql(
    url,
    `REASSIGN OWNED BY ${roles.owner} TO CURRENT_USER;
     DROP OWNED BY ${roles.owner}, ${roles.reader};
     DROP ROLE ${roles.owner}, ${roles.reader};`,
  );
}

/** The VCCI extras' rows, sequence value and extension, as JSON text; equal snapshots mean equal data. */
export async function snapshotVcciExtras(url: string): Promise<Record<string, string>> {
  const [row] = await sql<{ rows: string | null; seq: string | null; ext: string | null }>(
    url,
    `SELECT
       (SELECT json_agg(e ORDER BY e.id)::text FROM tenant_acme.emissions e) AS rows,
       (SELECT last_value::text FROM tenant_acme.emissions_id_seq) AS seq,
       (SELECT extname FROM pg_extension WHERE extname = 'pg_stat_statements') AS ext`,
  );
  return {
    emissions: row?.rows ?? '[]',
    emissions_id_seq: row?.seq ?? '(missing)',
    extension: row?.ext ?? '(missing)',
  };
}
