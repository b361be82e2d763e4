import { countOf } from '../../../format/words.js';
import type { ConnectionStats } from '../../../infra/target-db.js';
import type { HealthCheck } from '../check.js';
import { formatPercent } from './format.js';
import { type CheckOutcome, notConfigured, notMeasured } from './outcome.js';

// At this point new connections are refused within minutes (superuser slots are all that is left).
const failPercent = 95;

/** Target database connections as a percent of max_connections: above the threshold warns, ≥ 95 % fails. */
export const dbConnectionsCheck: HealthCheck = {
  id: 'db-connections',
  title: 'Database connections',
  async run(ctx): Promise<CheckOutcome> {
    const db = ctx.infra.targetDb;
    if (!db) return notConfigured(ctx, 'database.url', 'Target database');
    let stats: ConnectionStats;
    try {
      stats = await db.connectionStats({ signal: ctx.signal });
    } catch (err) {
      return notMeasured(ctx, err);
    }
    const percent = (stats.connections / stats.maxConnections) * 100;
    const warnAt = ctx.thresholds.dbConnectionsPercent;
    const value = `${stats.connections}/${stats.maxConnections} (${formatPercent(percent)})`;
    const threshold = `> ${formatPercent(warnAt)} of max_connections warns, ≥ ${formatPercent(failPercent)} fails`;
    const details = [`database ${stats.database} on ${db.label}`];
    const summary = `${countOf(stats.connections, 'connection')} to ${stats.database} of max_connections ${stats.maxConnections}`;
    if (percent >= failPercent) return { status: 'fail', value, threshold, summary, details };
    if (percent > warnAt) return { status: 'warn', value, threshold, summary, details };
    return { status: 'ok', value, threshold, summary, details };
  },
};
