import { z } from 'zod';
import { messageOf } from '../../../errors.js';
import { countOf } from '../../../format/words.js';
import { queryNumber } from '../../../infra/pg-query.js';
import { withPgSession } from '../../../infra/pg-session.js';
import type { RestoreMaterial } from './restore-plan.js';

/** One check of a restored database: a configured query against its minimum, or the backup's tables. */
export interface CheckResult {
  name: string;
  min?: number;
  value?: number;
  error?: string;
  ok: boolean;
}

/** `"schema"."table"` from the `schema.table` the plan lists (split at the first dot, as pg_dump names them). */
function regclassText(table: string): string {
  const dot = table.indexOf('.');
  const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
  return `${q(table.slice(0, dot))}.${q(table.slice(dot + 1))}`;
}

const missingRow = z.object({ name: z.string() });

/** Checks a database after a restore: every table of the backup exists, and each configured query holds. */
export async function checkDatabase(url: string, m: RestoreMaterial, signal: AbortSignal): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  if (m.tables.length > 0) {
    const missing = await withPgSession(url, { signal }, (s) =>
      s.rows(missingRow, 'SELECT n AS name FROM unnest($1::text[]) n WHERE to_regclass(n) IS NULL', [
        m.tables.map(regclassText),
      ]),
    );
    results.push({
      name: `the backup's ${countOf(m.tables.length, 'table')}`,
      ok: missing.length === 0,
      ...(missing.length > 0 ? { error: `missing: ${missing.map((r) => r.name).join(', ')}` } : {}),
    });
  }
  for (const q of m.verify) {
    try {
      const value = await queryNumber(url, q.query, signal);
      results.push({ name: q.name, min: q.min, value, ok: value >= q.min });
    } catch (err) {
      if (signal.aborted) throw err;
      results.push({ name: q.name, min: q.min, error: messageOf(err), ok: false });
    }
  }
  return results;
}

/** The failed checks in words, or undefined when all held. */
export function failedChecks(results: CheckResult[]): string | undefined {
  const failed = results.filter((r) => !r.ok);
  if (failed.length === 0) return undefined;
  return `verification failed: ${failed
    .map((r) => (r.error === undefined ? `${r.name} = ${r.value} (expected ≥ ${r.min})` : `${r.name}: ${r.error}`))
    .join('; ')}`;
}

const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * The same checks as SQL that raises at the first failure, run inside an in-place restore's transaction before its
 * COMMIT: a restore that fails them is rolled back and production keeps what it had.
 */
export function checksSql(m: RestoreMaterial): string {
  const lines = ['RESET search_path;', 'DO $chatops_verify$', 'DECLARE v numeric;', 'BEGIN'];
  for (const t of m.tables) {
    lines.push(
      `  IF to_regclass(${literal(regclassText(t))}) IS NULL THEN RAISE EXCEPTION 'verification failed: table % is missing', ${literal(t)}; END IF;`,
    );
  }
  for (const q of m.verify) {
    lines.push(`  v := (${q.query});`);
    lines.push(
      `  IF v IS NULL OR v < ${Number(q.min)} THEN RAISE EXCEPTION 'verification failed: % = % (expected ≥ %)', ${literal(q.name)}, v, ${Number(q.min)}; END IF;`,
    );
  }
  lines.push('END', '$chatops_verify$;');
  return lines.join('\n');
}
