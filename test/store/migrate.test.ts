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
});
