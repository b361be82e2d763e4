import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openStoreDb, type StoreDb } from '../../src/store/db.js';
import { migrateStore } from '../../src/store/migrate.js';
import { uniquePrefix } from '../support/services.js';

const url = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = uniquePrefix('mig').replace(/-/g, '_');

describe('store migrations', () => {
  const dbs: StoreDb[] = [];
  afterAll(async () => {
    for (const db of dbs) await db.close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.query(`DROP SCHEMA IF EXISTS ${schema}_006 CASCADE`);
    await client.end();
  });

  it('applies each migration exactly once when several instances start at the same moment', async () => {
    for (let i = 0; i < 5; i++) dbs.push(openStoreDb(url, schema, { max: 2 }));
    const applied = await Promise.all(dbs.map((db) => migrateStore(db)));
    const all = applied.flat();
    expect(all.length).toBeGreaterThan(0);
    // Exactly one instance applied each version; the others found it done.
    expect(new Set(all).size).toBe(all.length);
    const first = dbs[0];
    if (!first) throw new Error('no db');
    const rows = await first.pool.query<{ version: string }>('SELECT version FROM schema_migrations ORDER BY version');
    expect(rows.rows.map((r) => r.version)).toEqual([...all].sort());
    expect(await migrateStore(first)).toEqual([]);
    const tables = await first.pool.query<{ table_name: string }>(
      'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name',
      [schema],
    );
    expect(tables.rows.map((r) => r.table_name)).toEqual(
      expect.arrayContaining(['audit_events', 'run_steps', 'runs', 'schema_migrations']),
    );
  });

  it('tells apart steps that skipped before skips were stored (007), keeping their reason', async () => {
    const older = `${schema}_006`;
    const db = openStoreDb(url, older, { max: 1 });
    dbs.push(db);
    // The store as 006 left it, with steps recorded the old way: a skip was a success with the skip in its output.
    const dir = join(import.meta.dirname, '../../src/store/migrations');
    const before = readdirSync(dir)
      .filter((f) => f.endsWith('.sql') && f < '007')
      .sort();
    const client = await db.pool.connect();
    try {
      await client.query(`DROP SCHEMA IF EXISTS ${older} CASCADE; CREATE SCHEMA ${older}; SET search_path = ${older}`);
      for (const f of before) await client.query(readFileSync(join(dir, f), 'utf8'));
      await client.query(
        'CREATE TABLE schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
      );
      for (const f of before)
        await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [f.replace(/\.sql$/, '')]);
      await client.query(
        `INSERT INTO runs (id, service, environment, runbook, risk, status, requested_by, channel_id)
         VALUES ('r-0000000007', 'thermaliq', 'production', 'restore', 'destructive', 'succeeded', 'U1', 'C1')`,
      );
      await client.query(
        `INSERT INTO run_steps (run_id, ordinal, name, status, output) VALUES
           ('r-0000000007', 0, 'scale-down', 'succeeded', '{"skipped": true, "reason": "no deployment", "short": "none"}'),
           ('r-0000000007', 1, 'restore-test', 'succeeded', '{"skipped": "not requested"}'),
           ('r-0000000007', 2, 'cutover', 'succeeded', '{"run": "r-0000000007", "skipped": 3}')`,
      );
    } finally {
      client.release();
    }
    expect(await migrateStore(db)).toContain('007_step_skip_reason');
    const steps = await db.pool.query<{ name: string; status: string; reason: string | null }>(
      `SELECT name, status, reason FROM ${older}.run_steps ORDER BY ordinal`,
    );
    expect(steps.rows).toEqual([
      { name: 'scale-down', status: 'skipped', reason: 'no deployment' },
      { name: 'restore-test', status: 'skipped', reason: 'not requested' },
      { name: 'cutover', status: 'succeeded', reason: null },
    ]);
  });
});
