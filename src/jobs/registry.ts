import type { Runbook } from './runbook.js';
import { healthRunbook } from './runbooks/health.js';

/** Every runbook the bot knows, by command name. Multi-word commands (e.g. `backup now`) use a space. */
export const runbooks: ReadonlyMap<string, Runbook<unknown>> = new Map<string, Runbook<unknown>>([
  [healthRunbook.name, healthRunbook],
]);
