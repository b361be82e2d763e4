import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Queryable } from './db.js';

/** Where a run is in its life. */
export type RunStatus =
  | 'planning'
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
  thread_ts: z.string().nullable(),
  plan: z.unknown().nullable(),
  plan_hash: z.string().nullable(),
  report: z.unknown().nullable(),
  error: z.string().nullable(),
  error_id: z.string().nullable(),
  attempts: z.number(),
  dry_run: z.boolean(),
  cancel_requested_by: z.string().nullable(),
  cancel_requested_at: z.date().nullable(),
  job_seq: z.number(),
  delivery: z.enum(['live', 'final', 'quiet']),
  schedule_name: z.string().nullable(),
  scheduled_for: z.date().nullable(),
  late: z.boolean(),
  rerun_of: z.string().nullable(),
  reported_at: z.date().nullable(),
  report_attempts: z.number(),
  created_at: z.date(),
  started_at: z.date().nullable(),
  finished_at: z.date().nullable(),
});

/** A run as stored. */
export type Run = Omit<z.infer<typeof runRow>, 'status'> & { status: RunStatus };

/** A new run id: never digits only and never containing ':' (BullMQ job-id rules). */
export function newRunId(): string {
  // 40 random bits, from the UUID's leading hex digits (all random in a v4 UUID). randomUUID draws from a pooled
  // buffer of entropy; randomBytes(5) went to OpenSSL on every command (4 % of the ack path's CPU).
  const uuid = randomUUID();
  return `r-${uuid.slice(0, 8)}${uuid.slice(9, 11)}`;
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
  dryRun?: boolean;
  delivery?: 'live' | 'final' | 'quiet';
  schedule?: { name: string; scheduledFor: Date; late: boolean };
  rerunOf?: string;
  /** The message whose thread the run reports in (an alert's diagnosis); a new message in the channel otherwise. */
  threadTs?: string;
}

/** The columns a new run sets, in the order of {@link runValues}. */
export const runColumns =
  'id, service, environment, runbook, params, risk, status, requested_by, channel_id, request_id, dry_run, delivery, schedule_name, scheduled_for, late, rerun_of, thread_ts';
const runColumnCount = runColumns.split(', ').length;

/** A new run as a row: column name → value (params as an object). */
export function runRecord(run: NewRun): Record<string, unknown> {
  return {
    id: run.id,
    service: run.service,
    environment: run.environment,
    runbook: run.runbook,
    params: run.params,
    risk: run.risk,
    status: run.status,
    requested_by: run.requestedBy,
    channel_id: run.channelId,
    request_id: run.requestId ?? null,
    dry_run: run.dryRun ?? false,
    delivery: run.delivery ?? 'live',
    schedule_name: run.schedule?.name ?? null,
    scheduled_for: run.schedule?.scheduledFor ?? null,
    late: run.schedule?.late ?? false,
    rerun_of: run.rerunOf ?? null,
    thread_ts: run.threadTs ?? null,
  };
}

/** The values of a new run, in the order of {@link runColumns}. */
export function runValues(run: NewRun): unknown[] {
  const row = runRecord(run);
  return runColumns.split(', ').map((c) => (c === 'params' ? JSON.stringify(row[c]) : row[c]));
}

/** `$from, …, $(from+count-1)`. */
export function placeholders(from: number, count: number): string {
  return Array.from({ length: count }, (_, i) => `$${from + i}`).join(',');
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
      `INSERT INTO runs (${runColumns}) VALUES (${placeholders(1, runColumnCount)}) RETURNING *`,
      runValues(run),
    );
    return toRun(res.rows[0]);
  }

  /**
   * Creates the run of one schedule tick, unless that tick already has one (a re-delivered tick job); returns the
   * new run, or undefined when it existed.
   */
  async createForTick(run: NewRun & { schedule: NonNullable<NewRun['schedule']> }): Promise<Run | undefined> {
    const existing = await this.q.query('SELECT 1 FROM runs WHERE schedule_name = $1 AND scheduled_for = $2', [
      run.schedule.name,
      run.schedule.scheduledFor,
    ]);
    if ((existing.rowCount ?? 0) > 0) return undefined;
    try {
      return await this.create(run);
    } catch (err) {
      // Two deliveries of the same tick raced; the unique index let exactly one through.
      if (err instanceof Error && 'code' in err && err.code === '23505') return undefined;
      throw err;
    }
  }

  /** Inserts a run unless one with its id exists (a deterministic id made twice); undefined when it existed. */
  async createOnce(run: NewRun): Promise<Run | undefined> {
    const res = await this.q.query(
      `INSERT INTO runs (${runColumns}) VALUES (${placeholders(1, runColumnCount)}) ON CONFLICT (id) DO NOTHING RETURNING *`,
      runValues(run),
    );
    return res.rows[0] === undefined ? undefined : toRun(res.rows[0]);
  }

  /** Records that the run's final message reached Slack. */
  async markReported(id: string): Promise<void> {
    await this.q.query('UPDATE runs SET reported_at = now() WHERE id = $1', [id]);
  }

  /**
   * Claims final runs whose final message was never confirmed (finished more than `graceMs` ago, not claimed in the
   * last `claimMs`, fewer than `maxAttempts` tries). Each is claimed by exactly one caller.
   */
  async claimUnreported(opts: {
    graceMs: number;
    claimMs: number;
    maxAttempts: number;
    limit: number;
  }): Promise<Run[]> {
    const res = await this.q.query(
      `UPDATE runs SET report_claimed_at = now(), report_attempts = report_attempts + 1
       WHERE id IN (
         SELECT id FROM runs
         WHERE reported_at IS NULL AND finished_at IS NOT NULL
           AND finished_at < now() - make_interval(secs => $1::double precision / 1000)
           AND (report_claimed_at IS NULL OR report_claimed_at < now() - make_interval(secs => $2::double precision / 1000))
           AND report_attempts < $3
         ORDER BY finished_at LIMIT $4 FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [opts.graceMs, opts.claimMs, opts.maxAttempts, opts.limit],
    );
    return res.rows.map(toRun);
  }

  /** Recent runs of a service, newest first, optionally of one runbook or requester. */
  async list(filter: { service: string; limit: number; runbook?: string; requestedBy?: string }): Promise<Run[]> {
    const res = await this.q.query(
      `SELECT * FROM runs WHERE service = $1 AND ($2::text IS NULL OR runbook = $2) AND ($3::text IS NULL OR requested_by = $3)
       ORDER BY created_at DESC LIMIT $4`,
      [filter.service, filter.runbook ?? null, filter.requestedBy ?? null, filter.limit],
    );
    return res.rows.map(toRun);
  }

  /** The run a Slack request (its trigger_id) created, or undefined. */
  async byRequestId(requestId: string): Promise<Run | undefined> {
    const res = await this.q.query('SELECT * FROM runs WHERE request_id = $1', [requestId]);
    return res.rows[0] === undefined ? undefined : toRun(res.rows[0]);
  }

  /** The run, or undefined. */
  async get(id: string): Promise<Run | undefined> {
    const res = await this.q.query('SELECT * FROM runs WHERE id = $1', [id]);
    return res.rows[0] === undefined ? undefined : toRun(res.rows[0]);
  }

  /** Marks a queued (or re-delivered running) run as started by a worker, counting deliveries; else undefined. */
  async markStarted(id: string): Promise<Run | undefined> {
    const res = await this.q.query(
      `UPDATE runs SET status = 'running', attempts = attempts + 1, started_at = coalesce(started_at, now())
       WHERE id = $1 AND status IN ('queued', 'running') RETURNING *`,
      [id],
    );
    return res.rows[0] === undefined ? undefined : toRun(res.rows[0]);
  }

  /** Remembers the channel message that shows this run's progress. */
  async setMessageTs(id: string, ts: string): Promise<void> {
    await this.q.query('UPDATE runs SET message_ts = $2 WHERE id = $1', [id, ts]);
  }

  /**
   * Records the final outcome once; a second call for a final run changes nothing and returns false. With `from`,
   * only a run in one of those statuses is finished.
   */
  async finish(
    id: string,
    outcome: { status: RunStatus; report?: unknown; error?: string; errorId?: string; from?: RunStatus[] },
  ): Promise<boolean> {
    const res = await this.q.query(
      `UPDATE runs SET status = $2, report = coalesce($3::jsonb, report), error = $4, error_id = $5, finished_at = now()
       WHERE id = $1 AND status NOT IN ('succeeded','failed','cancelled','rejected','expired')
         AND ($6::text[] IS NULL OR status = ANY($6::text[]))`,
      [
        id,
        outcome.status,
        outcome.report === undefined ? null : JSON.stringify(outcome.report),
        outcome.error ?? null,
        outcome.errorId ?? null,
        outcome.from ?? null,
      ],
    );
    return (res.rowCount ?? 0) > 0;
  }

  /**
   * Moves a run to `queued` from one of `from` and takes the next job sequence number, so the new delivery gets its
   * own job id. Returns the sequence, or undefined when the run was not in one of `from` (someone else moved it).
   */
  async requeue(id: string, from: RunStatus[]): Promise<number | undefined> {
    const res = await this.q.query<{ job_seq: number }>(
      `UPDATE runs SET status = 'queued', job_seq = job_seq + 1 WHERE id = $1 AND status = ANY($2::text[]) RETURNING job_seq`,
      [id, from],
    );
    return res.rows[0]?.job_seq;
  }

  /** Moves a run between two non-final statuses; false when it was not in `from`. */
  async transition(id: string, from: RunStatus[], to: RunStatus, error?: string): Promise<boolean> {
    const res = await this.q.query(
      'UPDATE runs SET status = $3, error = coalesce($4, error) WHERE id = $1 AND status = ANY($2::text[])',
      [id, from, to, error ?? null],
    );
    return (res.rowCount ?? 0) > 0;
  }

  /** Records a cancel request on an unfinished run; returns the run, or undefined when it is already final. */
  async requestCancel(id: string, by: string): Promise<Run | undefined> {
    const res = await this.q.query(
      `UPDATE runs SET cancel_requested_by = coalesce(cancel_requested_by, $2), cancel_requested_at = coalesce(cancel_requested_at, now())
       WHERE id = $1 AND status NOT IN ('succeeded','failed','cancelled','rejected','expired') RETURNING *`,
      [id, by],
    );
    return res.rows[0] === undefined ? undefined : toRun(res.rows[0]);
  }

  /** Stores the plan a run was approved (or dry-run) for. */
  async setPlan(id: string, plan: unknown, hash: string): Promise<void> {
    await this.q.query('UPDATE runs SET plan = $2, plan_hash = $3 WHERE id = $1', [id, JSON.stringify(plan), hash]);
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
