import { tableMaintenanceRunbook } from './db-table-maintenance.js';

/** The guide's weekly "Update Statistics": `ANALYZE VERBOSE`, on one table or the whole database. */
export const dbAnalyzeRunbook = tableMaintenanceRunbook({
  name: 'db analyze',
  kind: 'analyze',
  summary: 'ANALYZE a table (or the whole database) to refresh planner statistics',
  title: 'ANALYZE',
  examples: ['db analyze', 'db analyze public.energy_readings'],
  timeoutMs: 30 * 60_000,
});
