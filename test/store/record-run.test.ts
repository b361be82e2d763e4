import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStoreDb, type StoreDb } from '../../src/store/db.js';
import { migrateStore } from '../../src/store/migrate.js';
import { type RequestedRun, recordRequestedRuns, runRecorder } from '../../src/store/record-run.js';
import { newRunId } from '../../src/store/runs.js';
import { uniquePrefix } from '../support/services.js';

const url = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = uniquePrefix('rec').replace(/-/g, '_');

/** A command's run and its allow entry, as requestRun makes them; NUL in the text as a hostile command has it. */
function requested(requestId: string | undefined, text = '/thermaliq health'): RequestedRun {
  const id = newRunId();
  return {
    run: {
      id,
      service: 'thermaliq',
      environment: 'production',
      runbook: 'health',
      params: { verbose: true, tags: ['a', 'b'] },
      risk: 'read',
      status: 'queued',
      requestedBy: 'U0VIEWER',
      channelId: 'C0OPS',
      requestId,
    },
    audit: { actor: 'U0VIEWER', action: 'command', decision: 'allow', commandText: text, requestId, runId: id },
  };
}

describe('recording requested runs in one statement', () => {
  let db: StoreDb;
  const runsOf = async (requestId: string) =>
    (await db.pool.query<{ id: string }>('SELECT id FROM runs WHERE request_id = $1', [requestId])).rows;
  const auditOf = async (runId: string) =>
    (
      await db.pool.query<{ command_text: string; decision: string; request_id: string }>(
        'SELECT command_text, decision, request_id FROM audit_events WHERE run_id = $1',
        [runId],
      )
    ).rows;

  beforeAll(async () => {
    db = openStoreDb(url, schema, { max: 4 });
    await migrateStore(db);
  });
  afterAll(async () => {
    await db.close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  });

  it('writes each run with its params and its audit entry, and skips a request that has a run', async () => {
    const first = requested('1234.5678.aaa', 'health \u0000 with a NUL');
    expect(await recordRequestedRuns(db.pool, [first])).toEqual([true]);
    const [row] = (
      await db.pool.query('SELECT params, status, risk, dry_run, delivery FROM runs WHERE id = $1', [first.run.id])
    ).rows;
    expect(row).toEqual({
      params: { verbose: true, tags: ['a', 'b'] },
      status: 'queued',
      risk: 'read',
      dry_run: false,
      delivery: 'live',
    });
    expect(await auditOf(first.run.id)).toEqual([
      { command_text: 'health \uFFFD with a NUL', decision: 'allow', request_id: '1234.5678.aaa' },
    ]);
    // The same request again: no run, no audit entry.
    const again = requested('1234.5678.aaa');
    expect(await recordRequestedRuns(db.pool, [again])).toEqual([false]);
    expect(await runsOf('1234.5678.aaa')).toEqual([{ id: first.run.id }]);
    expect(await auditOf(again.run.id)).toEqual([]);
  });

  it('in one batch: a request twice is recorded once; requests without an id are all recorded', async () => {
    const batch = [requested('9.9.dup'), requested(undefined), requested('9.9.dup'), requested(undefined)];
    expect(await recordRequestedRuns(db.pool, batch)).toEqual([true, true, false, true]);
    expect(await runsOf('9.9.dup')).toEqual([{ id: batch[0]?.run.id }]);
    for (const [i, item] of batch.entries()) expect(await auditOf(item.run.id)).toHaveLength(i === 2 ? 0 : 1);
  });

  it('batches what arrives together, and each caller hears about its own run', async () => {
    const record = runRecorder(db.pool, { maxInFlight: 1, maxBatch: 100 });
    const items = Array.from({ length: 40 }, (_, i) => requested(`7.${i}.burst`));
    items.push(requested('7.3.burst'));
    const created = await Promise.all(items.map((i) => record(i)));
    expect(created).toEqual([...Array.from({ length: 40 }, () => true), false]);
    expect((await db.pool.query('SELECT 1 FROM runs WHERE request_id LIKE $1', ['7.%.burst'])).rowCount).toBe(40);
  });

  it('rejects every caller of a batch whose statement failed, and records none of it', async () => {
    const record = runRecorder(db.pool, { maxInFlight: 1, maxBatch: 100 });
    const bad = requested('5.5.bad');
    // A status the runs table refuses (its CHECK constraint) fails the whole statement.
    const broken: RequestedRun = { ...bad, run: { ...bad.run, risk: 'unknown' as 'read' } };
    const good = requested('5.5.good');
    const results = await Promise.allSettled([record(good), record(broken)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(await runsOf('5.5.good')).toEqual([]);
  });
});
