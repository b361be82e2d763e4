import { type AuditEvent, auditColumns, auditValues } from './audit.js';
import type { Queryable } from './db.js';
import { type NewRun, placeholders, runColumns, runValues } from './runs.js';

/**
 * Records a requested run and its audit entry in one statement: one round trip, and one implicit transaction, so
 * both rows are committed together or neither is. When a run for the same request id exists already (a delivery
 * that came twice), nothing is written and it returns false; the audit entry is written only with the run.
 */
export async function recordRequestedRun(q: Queryable, run: NewRun, audit: AuditEvent): Promise<boolean> {
  const auditFrom = 17;
  const res = await q.query<{ created: boolean }>(
    `WITH new_run AS (
       INSERT INTO runs (${runColumns}) VALUES (${placeholders(1, 16)})
       ON CONFLICT (request_id) WHERE request_id IS NOT NULL DO NOTHING
       RETURNING id
     ), audited AS (
       INSERT INTO audit_events (${auditColumns})
       SELECT ${placeholders(auditFrom, 11)} FROM new_run
     )
     SELECT EXISTS (SELECT 1 FROM new_run) AS created`,
    [...runValues(run), ...auditValues(audit)],
  );
  return res.rows[0]?.created === true;
}
