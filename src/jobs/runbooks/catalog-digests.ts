import type { Runbook } from '../runbook.js';
import { digestDailyRunbook } from './digest-daily.js';
import { digestMonthlyRunbook } from './digest-monthly.js';
import { digestWeeklyRunbook } from './digest-weekly.js';

/** The scheduled digests of issue 6, in the guides' rhythm: daily, weekly, monthly. */
export const digestRunbooks: Runbook<unknown>[] = [digestDailyRunbook, digestWeeklyRunbook, digestMonthlyRunbook];
