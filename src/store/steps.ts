import type { Queryable } from './db.js';

/** The stored checkpoint of one step. */
export interface StepCheckpoint {
  name: string;
  ordinal: number;
  status: 'running' | 'succeeded' | 'failed' | 'skipped';
  output: unknown;
  error: string | null;
  /** Why a skipped step did nothing. */
  reason: string | null;
  startedAt: Date;
  finishedAt: Date | null;
}

/** Step checkpoints: what a re-delivered run has already done. */
export class StepStore {
  constructor(private readonly q: Queryable) {}

  /** All checkpoints of a run, in step order. */
  async list(runId: string): Promise<StepCheckpoint[]> {
    const res = await this.q.query<{
      name: string;
      ordinal: number;
      status: StepCheckpoint['status'];
      output: unknown;
      error: string | null;
      reason: string | null;
      started_at: Date;
      finished_at: Date | null;
    }>('SELECT * FROM run_steps WHERE run_id = $1 ORDER BY ordinal', [runId]);
    return res.rows.map((r) => ({
      name: r.name,
      ordinal: r.ordinal,
      status: r.status,
      output: r.output,
      error: r.error,
      reason: r.reason,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
    }));
  }

  /**
   * Records that a step started. Returns false when a checkpoint for it already exists, so two deliveries of the
   * same run cannot both start the step.
   */
  async start(runId: string, ordinal: number, name: string): Promise<boolean> {
    const res = await this.q.query(
      `INSERT INTO run_steps (run_id, ordinal, name, status) VALUES ($1, $2, $3, 'running')
       ON CONFLICT (run_id, name) DO NOTHING`,
      [runId, ordinal, name],
    );
    return (res.rowCount ?? 0) > 0;
  }

  /** Re-opens a step that a human chose to retry. */
  async restart(runId: string, name: string): Promise<void> {
    await this.q.query(
      `UPDATE run_steps SET status = 'running', error = NULL, reason = NULL, output = NULL, started_at = now(), finished_at = NULL
       WHERE run_id = $1 AND name = $2`,
      [runId, name],
    );
  }

  /** Records a step's end; a skipped step records why (`reason`). */
  async finish(
    runId: string,
    name: string,
    outcome: { status: 'succeeded' | 'failed' | 'skipped'; output?: unknown; error?: string; reason?: string },
  ): Promise<void> {
    await this.q.query(
      `UPDATE run_steps SET status = $3, output = $4::jsonb, error = $5, reason = $6, finished_at = now()
       WHERE run_id = $1 AND name = $2`,
      [
        runId,
        name,
        outcome.status,
        outcome.output === undefined ? null : JSON.stringify(outcome.output),
        outcome.error ?? null,
        outcome.reason ?? null,
      ],
    );
  }
}
