import { createHash } from 'node:crypto';

/** What a destructive run will do, shown for approval. An approval holds only for the plan's `material`. */
export interface Plan {
  /** One line, e.g. "Restore thermaliq from s3://bucket/key into thermaliq_production". */
  summary: string;
  /** The facts people decide on: backup (size, age), target (name, size), deployment and replicas, queries. */
  fields: { label: string; value: string }[];
  /** The steps in order, in words. */
  steps: string[];
  /** The facts the approval is bound to; the plan hash covers exactly these. Volatile display values stay out. */
  material: Record<string, unknown>;
  /** A long list (e.g. every object a prune deletes) for the thread. */
  details?: { title: string; lines: string[] }[];
}

/** Serializes with sorted keys, so equal material always hashes equal. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The hash an approval is bound to. */
export function planHash(plan: Pick<Plan, 'material'>): string {
  return createHash('sha256').update(canonical(plan.material)).digest('hex');
}

/** The material keys whose values differ between two plans, as "key: old → new" lines. */
export function planChanges(before: Pick<Plan, 'material'>, after: Pick<Plan, 'material'>): string[] {
  const keys = new Set([...Object.keys(before.material), ...Object.keys(after.material)]);
  const lines: string[] = [];
  for (const key of [...keys].sort()) {
    const a = canonical(before.material[key]);
    const b = canonical(after.material[key]);
    if (a !== b) lines.push(`${key}: ${a} → ${b}`);
  }
  return lines;
}
