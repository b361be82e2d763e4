import { tableMaintenanceRunbook } from './db-table-maintenance.js';

/** The guide's monthly "Rebuild Fragmented Indexes": `REINDEX TABLE CONCURRENTLY` (or the whole database). */
export const dbReindexRunbook = tableMaintenanceRunbook({
  name: 'db reindex',
  kind: 'reindex',
  summary: 'REINDEX TABLE CONCURRENTLY (or the whole database) to rebuild bloated indexes without blocking writes',
  title: 'REINDEX CONCURRENTLY',
  examples: ['db reindex energy_readings', 'db reindex public.calculations --env staging'],
  timeoutMs: 2 * 60 * 60_000,
});
