import { z } from 'zod';
import type { Approval } from '../store/approvals.js';
import type { Plan } from './plan.js';
import type { ApprovalView, RunRef } from './report.js';

const planSchema = z.object({
  summary: z.string(),
  fields: z.array(z.object({ label: z.string(), value: z.string() })),
  steps: z.array(z.string()),
  material: z.record(z.string(), z.unknown()),
  details: z.array(z.object({ title: z.string(), lines: z.array(z.string()) })).optional(),
});

/** Parses a plan read back from the store. */
export function parsePlan(value: unknown): Plan {
  return planSchema.parse(value);
}

/** The view of a stored approval request. */
export function approvalViewOf(a: Approval, run: RunRef, extra: Partial<ApprovalView> = {}): ApprovalView {
  return {
    approvalId: a.id,
    run,
    plan: parsePlan(a.plan),
    status: a.status,
    quorum: a.quorum,
    approvers: a.approvers,
    expiresAt: a.expires_at,
    decidedBy: a.decided_by ?? undefined,
    decidedAt: a.decided_at ?? undefined,
    reason: a.reason ?? undefined,
    ...extra,
  };
}
