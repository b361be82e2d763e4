import { tableMaintenanceRunbook } from './db-table-maintenance.js';

/** The guide's concurrent vacuum (no downtime): `VACUUM (VERBOSE, ANALYZE)`, on one table or the whole database. */
export const dbVacuumRunbook = tableMaintenanceRunbook({
  name: 'db vacuum',
  kind: 'vacuum',
  summary: 'VACUUM (VERBOSE, ANALYZE) a table (or the whole database) without locking out reads or writes',
  title: 'VACUUM (VERBOSE, ANALYZE)',
  examples: ['db vacuum energy_readings', 'db vacuum public.calculations --env staging'],
  timeoutMs: 2 * 60 * 60_000,
});
