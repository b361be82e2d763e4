import type { BackupsTarget } from '../config/ops-config.js';
import type { BackupObject } from '../infra/backups.js';
import { preRestoreFolder } from './runbooks/backup/backup-names.js';

/** The retention settings of an environment's backups. */
export type RetentionPolicy = BackupsTarget['retention'];

/** One object and what the policy does with it, with the reason in words. */
export interface RetentionDecision {
  key: string;
  size: number;
  lastModified: Date;
  action: 'keep' | 'delete';
  reason: string;
}

/** The names a backup has; anything else under the prefix (a README, a `latest` marker) is never pruned. */
const backupExtensions = ['.sql', '.sql.gz', '.dump', '.dump.gz'];
const dayMs = 86_400_000;

/** The ISO 8601 week of a date in UTC, e.g. "2026-W03" (weeks start on Monday; week 1 holds the first Thursday). */
export function isoWeek(d: Date): string {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const weekday = t.getUTCDay() || 7;
  // The Thursday of this week decides which year the week belongs to.
  t.setUTCDate(t.getUTCDate() + 4 - weekday);
  const yearStart = Date.UTC(t.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((t.getTime() - yearStart) / dayMs + 1) / 7);
  return `${t.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

/** The calendar month of a date in UTC, e.g. "2026-01". */
export function calendarMonth(d: Date): string {
  return d.toISOString().slice(0, 7);
}

/** Keys of the newest object in each group. */
function newestPerGroup(objects: readonly BackupObject[], group: (d: Date) => string): Set<string> {
  const newest = new Map<string, BackupObject>();
  for (const o of objects) {
    const g = group(o.lastModified);
    const current = newest.get(g);
    if (!current || o.lastModified > current.lastModified) newest.set(g, o);
  }
  return new Set([...newest.values()].map((o) => o.key));
}

/**
 * Applies the THERMALIQ guide's retention (daily backups 30 days, weekly 90 days, monthly 1 year) to the objects
 * under `prefix`, by LastModified in UTC:
 * - a backup within `dailyDays` is kept;
 * - one that is the newest of its ISO week is kept for `weeklyDays`; the newest of its month for `monthlyDays`;
 * - the `keepAtLeast` newest backups are always kept, whatever their age, so a stalled backup job never leads a
 *   prune to delete the last good copies;
 * - safety copies under `pre-restore/` are kept for `dailyDays` and then deleted; they never count as the week's or
 *   month's backup, nor toward `keepAtLeast`;
 * - objects outside the prefix, or not named like a backup (.sql, .sql.gz, .dump, .dump.gz), are never deleted.
 */
export function applyRetention(
  objects: readonly BackupObject[],
  policy: RetentionPolicy,
  prefix: string,
  now: Date,
): RetentionDecision[] {
  const ageDays = (o: BackupObject) => (now.getTime() - o.lastModified.getTime()) / dayMs;
  const decide = (o: BackupObject, action: RetentionDecision['action'], reason: string): RetentionDecision => ({
    key: o.key,
    size: o.size,
    lastModified: o.lastModified,
    action,
    reason,
  });
  const regular: BackupObject[] = [];
  const decisions: RetentionDecision[] = [];
  for (const o of objects) {
    const relative = o.key.startsWith(prefix) ? o.key.slice(prefix.length) : undefined;
    if (relative === undefined || relative === '') decisions.push(decide(o, 'keep', 'outside the backup prefix'));
    else if (!backupExtensions.some((ext) => relative.endsWith(ext))) {
      decisions.push(decide(o, 'keep', 'not named like a backup; left alone'));
    } else if (relative.startsWith(preRestoreFolder)) {
      decisions.push(
        ageDays(o) <= policy.dailyDays
          ? decide(o, 'keep', `pre-restore copy, within ${policy.dailyDays} d`)
          : decide(o, 'delete', `pre-restore copy older than ${policy.dailyDays} d`),
      );
    } else regular.push(o);
  }

  regular.sort((a, b) => b.lastModified.getTime() - a.lastModified.getTime() || (a.key < b.key ? -1 : 1));
  const weekly = newestPerGroup(regular, isoWeek);
  const monthly = newestPerGroup(regular, calendarMonth);
  for (const [rank, o] of regular.entries()) {
    const age = ageDays(o);
    const week = isoWeek(o.lastModified);
    const month = calendarMonth(o.lastModified);
    if (age <= policy.dailyDays) decisions.push(decide(o, 'keep', `daily, within ${policy.dailyDays} d`));
    else if (weekly.has(o.key) && age <= policy.weeklyDays) {
      decisions.push(decide(o, 'keep', `weekly: newest of ${week}, within ${policy.weeklyDays} d`));
    } else if (monthly.has(o.key) && age <= policy.monthlyDays) {
      decisions.push(decide(o, 'keep', `monthly: newest of ${month}, within ${policy.monthlyDays} d`));
    } else if (rank < policy.keepAtLeast) {
      decisions.push(decide(o, 'keep', `one of the ${policy.keepAtLeast} newest backups`));
    } else if (age > policy.monthlyDays) {
      decisions.push(decide(o, 'delete', `older than ${policy.monthlyDays} d`));
    } else if (weekly.has(o.key)) {
      decisions.push(decide(o, 'delete', `weekly older than ${policy.weeklyDays} d, not the newest of ${month}`));
    } else {
      decisions.push(decide(o, 'delete', `older than ${policy.dailyDays} d, not the newest of ${week} or ${month}`));
    }
  }
  return decisions.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
