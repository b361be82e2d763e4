import { naturalBatcher } from '../batcher.js';
import { type AuditEvent, auditColumns, auditRecord } from './audit.js';
import type { Queryable } from './db.js';
import { type NewRun, runColumns, runRecord } from './runs.js';

/** A requested run and the audit entry that allows it. */
export interface RequestedRun {
  run: NewRun;
  audit: AuditEvent;
}

/**
 * Records requested runs and their audit entries in one statement: one round trip and one implicit transaction, so
 * every row is committed together or none is. A run whose request id exists already (a delivery that came twice,
 * even twice in the same batch) is not written, nor is its audit entry. Returns, per item, whether its run was
 * created.
 */
export async function recordRequestedRuns(q: Queryable, items: readonly RequestedRun[]): Promise<boolean[]> {
  const audited = auditColumns
    .split(', ')
    .map((c) => `a.${c}`)
    .join(', ');
  // A named (prepared) statement: PostgreSQL parses and plans it once per connection, not once per batch.
  const res = await q.query<{ id: string }>({
    name: 'record_requested_runs',
    text: `WITH new_run AS (
       INSERT INTO runs (${runColumns})
       SELECT ${runColumns} FROM jsonb_populate_recordset(NULL::runs, $1::jsonb)
       ON CONFLICT (request_id) WHERE request_id IS NOT NULL DO NOTHING
       RETURNING id
     ), audited AS (
       INSERT INTO audit_events (${auditColumns})
       SELECT ${audited} FROM jsonb_populate_recordset(NULL::audit_events, $2::jsonb) a JOIN new_run n ON n.id = a.run_id
     )
     SELECT id FROM new_run`,
    values: [
      JSON.stringify(items.map((i) => runRecord(i.run))),
      JSON.stringify(items.map((i) => auditRecord({ ...i.audit, runId: i.run.id }))),
    ],
  });
  const created = new Set(res.rows.map((r) => r.id));
  return items.map((i) => created.has(i.run.id));
}

/**
 * Records requested runs as they come, batching those that arrive while earlier batches are being written (see
 * naturalBatcher): a quiet bot writes each command at once, a busy one writes many per round trip and commit.
 * Resolves once the item's batch is committed: true when its run was created, false when its request id had a run.
 */
// One statement in flight: measured with `npm run bench -- ack` (2,000 commands/s on 2 cores), batches average about
// 15 commands and PostgreSQL's CPU a command falls by a quarter against two in flight, at no cost in p50 or p99.
// Measured alone, a batch of 20 costs PostgreSQL 0.05 ms of CPU a row against 0.23 ms for a batch of one.
export function runRecorder(q: Queryable, options = { maxInFlight: 1, maxBatch: 100 }) {
  return naturalBatcher<RequestedRun, boolean>((items) => recordRequestedRuns(q, items), options);
}
