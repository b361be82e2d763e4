import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Queryable } from './db.js';

/** Where a run is in its life. */
export type RunStatus =
  | 'queued'
  | 'awaiting_approval'
  | 'running'
  | 'succeeded'
  | 'failed'
  | 'cancelled'
  | 'rejected'
  | 'expired'
  | 'needs_attention';

/** Statuses after which a run never changes again. */
export const finalRunStatuses: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled', 'rejected', 'expired'];

const runRow = z.object({
  id: z.string(),
  service: z.string(),
  environment: z.string(),
  runbook: z.string(),
  params: z.record(z.string(), z.unknown()),
  risk: z.enum(['read', 'change', 'destructive']),
  status: z.string(),
  requested_by: z.string(),
  channel_id: z.string(),
  request_id: z.string().nullable(),
  message_ts: z.string().nullable(),
  plan: z.unknown().nullable(),
  plan_hash: z.string().nullable(),
  report: z.unknown().nullable(),
  error: z.string().nullable(),
  error_id: z.string().nullable(),
  attempts: z.number(),
  created_at: z.date(),
  started_at: z.date().nullable(),
  finished_at: z.date().nullable(),
});

/** A run as stored. */
export type Run = Omit<z.infer<typeof runRow>, 'status'> & { status: RunStatus };

/** A new run id: never digits only and never containing ':' (BullMQ job-id rules). */
export function newRunId(): string {
  return `r-${randomBytes(5).toString('hex')}`;
}

/** What a caller supplies to create a run. */
export interface NewRun {
  id: string;
  service: string;
  environment: string;
  runbook: string;
  params: Record<string, unknown>;
  risk: 'read' | 'change' | 'destructive';
  status: RunStatus;
  requestedBy: string;
  channelId: string;
  requestId?: string;
}

function toRun(row: unknown): Run {
  const r = runRow.parse(row);
  return { ...r, status: r.status as RunStatus };
}

/** Run persistence: creation, status transitions and the Slack message a run reports into. */
export class RunStore {
  constructor(private readonly q: Queryable) {}

  /** Inserts a run. */
  async create(run: NewRun): Promise<Run> {
    const res = await this.q.query(
      `INSERT INTO runs (id, service, environment, runbook, params, risk, status, requested_by, channel_id, request_id)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) RETURNING *`,
      [
        run.id,
        run.service,
        run.environment,
        run.runbook,
        JSON.stringify(run.params),
        run.risk,
        run.status,
        run.requestedBy,
        run.channelId,
        run.requestId ?? null,
      ],
    );
    return toRun(res.rows[0]);
  }

  /** The run, or undefined. */
  async get(id: string): Promise<Run | undefined> {
    const res = await this.q.query('SELECT * FROM runs WHERE id = $1', [id]);
    return res.rows[0] === undefined ? undefined : toRun(res.rows[0]);
  }

  /** Marks a run as started by a worker (counting deliveries); returns undefined if it is already final. */
  async markStarted(id: string): Promise<Run | undefined> {
    const res = await this.q.query(
      `UPDATE runs SET status = 'running', attempts = attempts + 1, started_at = coalesce(started_at, now())
       WHERE id = $1 AND status NOT IN ('succeeded','failed','cancelled','rejected','expired') RETURNING *`,
      [id],
    );
    return res.rows[0] === undefined ? undefined : toRun(res.rows[0]);
  }

  /** Remembers the channel message that shows this run's progress. */
  async setMessageTs(id: string, ts: string): Promise<void> {
    await this.q.query('UPDATE runs SET message_ts = $2 WHERE id = $1', [id, ts]);
  }

  /** Records the final outcome once; a second call for a final run changes nothing and returns false. */
  async finish(
    id: string,
    outcome: { status: RunStatus; report?: unknown; error?: string; errorId?: string },
  ): Promise<boolean> {
    const res = await this.q.query(
      `UPDATE runs SET status = $2, report = coalesce($3::jsonb, report), error = $4, error_id = $5, finished_at = now()
       WHERE id = $1 AND status NOT IN ('succeeded','failed','cancelled','rejected','expired')`,
      [
        id,
        outcome.status,
        outcome.report === undefined ? null : JSON.stringify(outcome.report),
        outcome.error ?? null,
        outcome.errorId ?? null,
      ],
    );
    return (res.rowCount ?? 0) > 0;
  }

  /** Sets a non-final status (e.g. needs_attention). */
  async setStatus(id: string, status: RunStatus, error?: string): Promise<void> {
    await this.q.query('UPDATE runs SET status = $2, error = coalesce($3, error) WHERE id = $1', [
      id,
      status,
      error ?? null,
    ]);
  }
}
