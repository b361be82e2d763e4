import type { Runbook } from '../runbook.js';
import { digestDailyRunbook } from './digest/digest-daily.js';
import { digestMonthlyRunbook } from './digest/digest-monthly.js';
import { digestWeeklyRunbook } from './digest/digest-weekly.js';

/** The scheduled digests of issue 6, in the guides' rhythm: daily, weekly, monthly. */
export const digestRunbooks: Runbook<unknown>[] = [digestDailyRunbook, digestWeeklyRunbook, digestMonthlyRunbook];
