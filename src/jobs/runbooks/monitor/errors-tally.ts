import { z } from 'zod';
import { errorMessageOf } from '../../health/checks/log-errors.js';

/** The dimensions the guides' analysis scripts group ERROR lines by (`jq -r '.error_type'`, tenant, endpoint, ...). */
export const dimensions = ['type', 'facility', 'tenant', 'endpoint', 'message'] as const;
/** One grouping dimension. */
export type Dimension = (typeof dimensions)[number];

/** ERROR lines counted, and counted per value of each dimension. */
export interface ErrorBreakdown {
  count: number;
  /** Error lines that were JSON, so the field dimensions could be read. */
  jsonCount: number;
  groups: Record<Dimension, Map<string, number>>;
}

/** An empty breakdown. */
export function emptyBreakdown(): ErrorBreakdown {
  return {
    count: 0,
    jsonCount: 0,
    groups: { type: new Map(), facility: new Map(), tenant: new Map(), endpoint: new Map(), message: new Map() },
  };
}

// Distinct values kept per dimension: an id-like field must not grow without bound; the rest count as "(other)".
const maxDistinct = 5000;
const other = '(other values)';

const scalar = z.union([z.string(), z.number()]).transform(String);
const nested = z.object({ type: z.string().optional(), name: z.string().optional() }).loose();
// The fields the guides' scripts read (error_type, facility_id, tenant_id, endpoint), and their common spellings.
const fields = z
  .object({
    error_type: scalar.optional(),
    errorType: scalar.optional(),
    error: z.union([z.string(), nested]).optional(),
    err: nested.optional(),
    facility_id: scalar.optional(),
    facilityId: scalar.optional(),
    facility: scalar.optional(),
    tenant_id: scalar.optional(),
    tenantId: scalar.optional(),
    tenant: scalar.optional(),
    endpoint: scalar.optional(),
    route: scalar.optional(),
    path: scalar.optional(),
    method: scalar.optional(),
  })
  .loose();

function clipValue(value: string): string {
  const one = value.replace(/\s+/g, ' ').trim();
  return one.length > 120 ? `${one.slice(0, 119)}…` : one;
}

function add(map: Map<string, number>, raw: string | undefined): void {
  if (raw === undefined || raw === '') return;
  const key = clipValue(raw);
  const known = map.has(key) || map.size < maxDistinct ? key : other;
  map.set(known, (map.get(known) ?? 0) + 1);
}

function jsonFields(line: string): z.infer<typeof fields> | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{')) return undefined;
  try {
    const parsed = fields.safeParse(JSON.parse(trimmed));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Adds the ERROR lines of one log to a breakdown: error level as the health check judges it, fields when JSON. */
export function addLogErrors(log: string, into: ErrorBreakdown): void {
  for (const line of log.split('\n')) {
    const message = errorMessageOf(line);
    if (message === undefined) continue;
    into.count += 1;
    add(into.groups.message, message);
    const f = jsonFields(line);
    if (!f) continue;
    into.jsonCount += 1;
    const errorObject = typeof f.error === 'object' ? f.error : undefined;
    add(into.groups.type, f.error_type ?? f.errorType ?? errorObject?.type ?? errorObject?.name ?? f.err?.type);
    add(into.groups.facility, f.facility_id ?? f.facilityId ?? f.facility);
    add(into.groups.tenant, f.tenant_id ?? f.tenantId ?? f.tenant);
    const endpoint = f.endpoint ?? f.route ?? f.path;
    add(into.groups.endpoint, endpoint !== undefined && f.method ? `${f.method} ${endpoint}` : endpoint);
  }
}

/** The most frequent values of a dimension, most frequent first. */
export function topValues(map: ReadonlyMap<string, number>, limit: number): { value: string; count: number }[] {
  return [...map]
    .map(([value, count]) => ({ value, count }))
    .sort((a, b) => b.count - a.count || a.value.localeCompare(b.value))
    .slice(0, limit);
}
