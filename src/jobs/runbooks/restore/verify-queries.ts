import type { EnvironmentConfig, VerifyQuery } from '../../../config/ops-config.js';

/** The VCCI guide's restore check ("SELECT COUNT(*) FROM public.tenants"), used when none is configured. */
export const defaultVerifyQueries: readonly VerifyQuery[] = [
  { name: 'tenants', query: 'SELECT count(*) FROM public.tenants', min: 1 },
];

/** The queries that must hold after a restore: the environment's `restore.verify`, else the guide's default. */
export function verifyQueriesFor(env: EnvironmentConfig): VerifyQuery[] {
  const configured = env.restore?.verify ?? [];
  return configured.length > 0 ? configured : [...defaultVerifyQueries];
}

/** One query as people read it: `tenants: SELECT count(*) FROM tenants ≥ 1`. */
export function describeVerifyQuery(q: VerifyQuery): string {
  return `${q.name}: ${q.query} ≥ ${q.min}`;
}
