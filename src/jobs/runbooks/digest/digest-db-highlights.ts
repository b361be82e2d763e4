import { countOf } from '../../../format/words.js';
import { statsOfTables, type TableStats } from '../../../infra/pg-stats.js';
import type { HealthCheck } from '../../health/check.js';
import { formatCount, formatPercent } from '../../health/checks/format.js';
import { type CheckOutcome, notConfigured, notMeasured } from '../../health/checks/outcome.js';
import type { RunTarget } from '../../runbook.js';
import { withTargetDb } from '../db/db-context.js';
import { autovacuumTrigger, deadRatio, pastAutovacuumTrigger, tableStatsLine } from '../db/db-stats.js';

// The tables the thread lists: enough to act on, few enough to read.
const listed = 5;

/**
 * The `db stats` highlights of the weekly digest: dead tuples over all user tables, and the tables past the point
 * where autovacuum (with the guide's settings) should have vacuumed them, which warns: there it is behind, blocked
 * or disabled. Uses the `db stats` runbook's own statistics and vacuum rule, so both say the same.
 */
export function dbHighlightsSection(target: RunTarget): HealthCheck {
  return {
    id: 'db-stats',
    title: 'Database tables',
    async run(ctx): Promise<CheckOutcome> {
      if (!target.env.database?.url) return notConfigured(ctx, 'database.url', 'The target database');
      let tables: TableStats[];
      try {
        tables = await withTargetDb({ target, signal: ctx.signal }, {}, (session) => statsOfTables(session, undefined));
      } catch (err) {
        return notMeasured(ctx, err);
      }
      const live = tables.reduce((sum, t) => sum + t.liveTuples, 0);
      const dead = tables.reduce((sum, t) => sum + t.deadTuples, 0);
      const needing = tables.filter(pastAutovacuumTrigger);
      const threshold = `dead tuples > ${autovacuumTrigger.threshold} + ${autovacuumTrigger.scaleFactor} × live tuples warns`;
      const share = formatPercent(deadRatio({ liveTuples: live, deadTuples: dead }) * 100);
      const value = `${formatCount(dead)} dead tuples (${share}), ${countOf(needing.length, 'table needs', 'tables need')} vacuum`;
      const details = [
        `${countOf(tables.length, 'table')}, ${formatCount(live)} live and ${formatCount(dead)} dead tuples`,
        ...tables
          .filter((t) => t.deadTuples > 0)
          .slice(0, listed)
          .map((t) => `${pastAutovacuumTrigger(t) ? 'needs vacuum · ' : ''}${tableStatsLine(t)}`),
      ];
      if (needing.length > 0) {
        const names = needing.slice(0, listed).map((t) => `${t.schema}.${t.name}`);
        const more = needing.length > listed ? ', …' : '';
        return {
          status: 'warn',
          value,
          threshold,
          summary: `${countOf(needing.length, 'table needs', 'tables need')} vacuum: ${names.join(', ')}${more}`,
          details,
        };
      }
      return { status: 'ok', value, threshold, summary: `${value} across ${countOf(tables.length, 'table')}`, details };
    },
  };
}
