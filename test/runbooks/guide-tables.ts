import { sql } from './run-context.js';

/** The guides' tables (tenants, energy readings, calculations), with deterministic rows and a foreign key or two. */
export async function seedGuideTables(url: string): Promise<void> {
  await sql(
    url,
    `CREATE TABLE tenants (id int PRIMARY KEY, name text NOT NULL, created_at timestamptz NOT NULL);
     CREATE TABLE energy_readings (
       id bigint PRIMARY KEY,
       tenant_id int NOT NULL REFERENCES tenants(id),
       read_at timestamptz NOT NULL,
       kwh numeric(12,3) NOT NULL
     );
     CREATE TABLE calculations (
       id serial PRIMARY KEY,
       tenant_id int NOT NULL REFERENCES tenants(id),
       result jsonb NOT NULL,
       note text
     );
     CREATE INDEX energy_readings_tenant ON energy_readings (tenant_id, read_at);
     INSERT INTO tenants SELECT i, 'tenant-' || i, timestamptz '2026-01-01 00:00:00+00' + i * interval '1 day'
       FROM generate_series(1, 5) i;
     INSERT INTO energy_readings
       SELECT i, 1 + i % 5, timestamptz '2026-01-01 00:00:00+00' + i * interval '15 minutes', (i * 7 % 1000) / 3.0
       FROM generate_series(1, 2000) i;
     INSERT INTO calculations (tenant_id, result, note)
       SELECT 1 + i % 5, jsonb_build_object('efficiency', i / 100.0, 'loss_kw', i * 3),
              CASE WHEN i % 3 = 0 THEN NULL ELSE E'line\\twith tab and ''quote''' END
       FROM generate_series(1, 120) i;`,
  );
}

/** Every row of the guide tables, in key order, as JSON text; equal snapshots mean equal data. */
export async function snapshotGuideTables(url: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of ['tenants', 'energy_readings', 'calculations']) {
    const exists = await sql<{ present: boolean }>(url, `SELECT to_regclass('public.${table}') IS NOT NULL AS present`);
    if (!exists[0]?.present) {
      out[table] = '(missing)';
      continue;
    }
    const rows = await sql<{ data: string | null }>(
      url,
      `SELECT json_agg(t ORDER BY t.id)::text AS data FROM public.${table} t`,
    );
    out[table] = rows[0]?.data ?? '[]';
  }
  // The sequence must come back too, or the next insert would collide.
  const seq = await sql<{ present: boolean }>(
    url,
    "SELECT to_regclass('public.calculations_id_seq') IS NOT NULL AS present",
  );
  out.calculations_id_seq = seq[0]?.present
    ? String(
        (await sql<{ last: string }>(url, 'SELECT last_value::text AS last FROM public.calculations_id_seq'))[0]?.last,
      )
    : '(missing)';
  return out;
}

/** Changes the data the way a bad deploy might: deletes rows, updates values and drops a table. */
export async function damageGuideTables(url: string): Promise<void> {
  await sql(
    url,
    `DELETE FROM energy_readings WHERE id % 2 = 0;
     UPDATE tenants SET name = 'overwritten' WHERE id <= 3;
     DROP TABLE calculations;`,
  );
}
