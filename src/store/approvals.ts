import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Queryable, StoreDb } from './db.js';

/** Where an approval request is. */
export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'expired' | 'superseded';

const approvalRow = z.object({
  id: z.string(),
  run_id: z.string(),
  plan: z.unknown(),
  plan_hash: z.string(),
  requester: z.string(),
  channel_id: z.string(),
  message_ts: z.string().nullable(),
  quorum: z.number(),
  status: z.enum(['pending', 'approved', 'rejected', 'expired', 'superseded']),
  reason: z.string().nullable(),
  decided_by: z.string().nullable(),
  decided_at: z.date().nullable(),
  created_at: z.date(),
  expires_at: z.date(),
});

/** An approval request as stored, with the approvers who voted so far. */
export type Approval = z.infer<typeof approvalRow> & { approvers: string[] };

/** The outcome of one Approve click. */
export type VoteOutcome =
  | { kind: 'approved'; approval: Approval }
  | { kind: 'counted'; approval: Approval }
  | { kind: 'already_voted'; approval: Approval }
  | { kind: 'self_approval'; approval: Approval }
  | { kind: 'not_pending'; approval: Approval }
  | { kind: 'expired'; approval: Approval }
  | { kind: 'not_found' };

/** A new approval id (never digits only, never ':'). */
export function newApprovalId(): string {
  return `a-${randomBytes(5).toString('hex')}`;
}

async function load(q: Queryable, id: string, lock = false): Promise<Approval | undefined> {
  const res = await q.query(`SELECT * FROM approvals WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
  if (res.rows[0] === undefined) return undefined;
  const votes = await q.query<{ approver: string }>(
    'SELECT approver FROM approval_votes WHERE approval_id = $1 ORDER BY at, approver',
    [id],
  );
  return { ...approvalRow.parse(res.rows[0]), approvers: votes.rows.map((r) => r.approver) };
}

/**
 * Approval requests. Every decision is taken under a row lock on the request inside one transaction, so any number
 * of clicks on any number of instances decide exactly once, and a quorum counts distinct approvers.
 */
export class ApprovalStore {
  constructor(private readonly db: StoreDb) {}

  /** Creates a pending request for a run's plan. */
  async create(
    q: Queryable,
    a: {
      id: string;
      runId: string;
      plan: unknown;
      planHash: string;
      requester: string;
      channelId: string;
      quorum: number;
      expiresInMinutes: number;
    },
  ): Promise<Approval> {
    await q.query(
      `INSERT INTO approvals (id, run_id, plan, plan_hash, requester, channel_id, quorum, status, expires_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,'pending', now() + make_interval(mins => $8))`,
      [a.id, a.runId, JSON.stringify(a.plan), a.planHash, a.requester, a.channelId, a.quorum, a.expiresInMinutes],
    );
    const created = await load(q, a.id);
    if (!created) throw new Error(`approval ${a.id} vanished after insert`);
    return created;
  }

  /** The request, with its votes. */
  get(id: string): Promise<Approval | undefined> {
    return load(this.db.pool, id);
  }

  /** The newest request of a run. */
  async latestForRun(runId: string): Promise<Approval | undefined> {
    const res = await this.db.pool.query<{ id: string }>(
      'SELECT id FROM approvals WHERE run_id = $1 ORDER BY created_at DESC LIMIT 1',
      [runId],
    );
    const id = res.rows[0]?.id;
    return id === undefined ? undefined : load(this.db.pool, id);
  }

  /** Every request of a run, oldest first. */
  async listForRun(runId: string): Promise<Approval[]> {
    const res = await this.db.pool.query<{ id: string }>(
      'SELECT id FROM approvals WHERE run_id = $1 ORDER BY created_at',
      [runId],
    );
    const out: Approval[] = [];
    for (const row of res.rows) {
      const a = await load(this.db.pool, row.id);
      if (a) out.push(a);
    }
    return out;
  }

  /** Remembers the message showing the request. */
  async setMessageTs(id: string, ts: string): Promise<void> {
    await this.db.pool.query('UPDATE approvals SET message_ts = $2 WHERE id = $1', [id, ts]);
  }

  /**
   * Records one approver's vote. When the distinct approvals reach the quorum, the request becomes approved, and
   * `onApproved` runs in the same transaction (so the run is queued exactly when the request is approved).
   */
  async vote(
    id: string,
    approver: string,
    onApproved: (q: Queryable, a: Approval) => Promise<void>,
  ): Promise<VoteOutcome> {
    return this.db.tx(async (q) => {
      const a = await load(q, id, true);
      if (!a) return { kind: 'not_found' };
      if (a.status !== 'pending') return { kind: 'not_pending', approval: a };
      if (a.expires_at.getTime() <= Date.now()) return { kind: 'expired', approval: a };
      if (a.requester === approver) return { kind: 'self_approval', approval: a };
      if (a.approvers.includes(approver)) return { kind: 'already_voted', approval: a };
      await q.query('INSERT INTO approval_votes (approval_id, approver) VALUES ($1, $2)', [id, approver]);
      const approvers = [...a.approvers, approver];
      if (approvers.length < a.quorum) return { kind: 'counted', approval: { ...a, approvers } };
      const res = await q.query(
        `UPDATE approvals SET status = 'approved', decided_by = $2, decided_at = now()
         WHERE id = $1 AND status = 'pending' AND expires_at > now() AND requester <> $2 RETURNING id`,
        [id, approver],
      );
      if (res.rowCount !== 1) return { kind: 'not_pending', approval: a };
      const approved = await load(q, id);
      if (!approved) throw new Error(`approval ${id} vanished`);
      await onApproved(q, approved);
      return { kind: 'approved', approval: approved };
    });
  }

  /** Rejects a pending request: one conditional UPDATE. Returns the request as it is afterwards, and whether this call decided it. */
  async reject(id: string, by: string, reason: string | undefined): Promise<{ decided: boolean; approval?: Approval }> {
    const res = await this.db.pool.query(
      `UPDATE approvals SET status = 'rejected', decided_by = $2, decided_at = now(), reason = $3
       WHERE id = $1 AND status = 'pending' AND expires_at > now() RETURNING id`,
      [id, by, reason ?? null],
    );
    return { decided: res.rowCount === 1, approval: await this.get(id) };
  }

  /** Marks a pending request superseded (its plan changed); true if this call did it. */
  async supersede(q: Queryable, id: string): Promise<boolean> {
    const res = await q.query(
      `UPDATE approvals SET status = 'superseded', decided_at = now() WHERE id = $1 AND status IN ('pending', 'approved')`,
      [id],
    );
    return res.rowCount === 1;
  }

  /**
   * Marks the request's message as needing an update again (its run ended), claimed by the caller now so the
   * sweeper only retries it if this caller never confirms it.
   */
  async reopenDelivery(id: string): Promise<void> {
    await this.db.pool.query(
      `UPDATE approvals SET decision_reported_at = NULL, decision_claimed_at = now(), decision_attempts = 0
       WHERE id = $1`,
      [id],
    );
  }

  /** Records that the decision reached the request's message in Slack. */
  async markDecisionReported(id: string): Promise<void> {
    await this.db.pool.query('UPDATE approvals SET decision_reported_at = now() WHERE id = $1', [id]);
  }

  /**
   * Claims decided requests whose message update was never confirmed (decided more than `graceMs` ago, not claimed
   * in the last `claimMs`, fewer than `maxAttempts` tries). Each is claimed by exactly one caller.
   */
  async claimUndeliveredDecisions(opts: {
    graceMs: number;
    claimMs: number;
    maxAttempts: number;
    limit: number;
  }): Promise<Approval[]> {
    const res = await this.db.pool.query<{ id: string }>(
      `UPDATE approvals SET decision_claimed_at = now(), decision_attempts = decision_attempts + 1
       WHERE id IN (
         SELECT id FROM approvals
         WHERE decision_reported_at IS NULL AND status <> 'pending' AND message_ts IS NOT NULL
           AND coalesce(decided_at, created_at) < now() - make_interval(secs => $1::double precision / 1000)
           AND (decision_claimed_at IS NULL
                OR decision_claimed_at < now() - make_interval(secs => $2::double precision / 1000))
           AND decision_attempts < $3
         ORDER BY decided_at LIMIT $4 FOR UPDATE SKIP LOCKED)
       RETURNING id`,
      [opts.graceMs, opts.claimMs, opts.maxAttempts, opts.limit],
    );
    const out: Approval[] = [];
    for (const row of res.rows) {
      const a = await this.get(row.id);
      if (a) out.push(a);
    }
    return out;
  }

  /** Marks every pending request past its expiry as expired and returns them; each is returned to exactly one caller. */
  async expireDue(limit = 100): Promise<Approval[]> {
    const res = await this.db.pool.query<{ id: string }>(
      `UPDATE approvals SET status = 'expired', decided_at = now()
       WHERE id IN (SELECT id FROM approvals WHERE status = 'pending' AND expires_at <= now() ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING id`,
      [limit],
    );
    const out: Approval[] = [];
    for (const row of res.rows) {
      const a = await this.get(row.id);
      if (a) out.push(a);
    }
    return out;
  }
}
