import { ageOld, countOf } from '../../../format/words.js';
import type { BackupObject } from '../../../infra/backups.js';
import type { HealthCheck } from '../../health/check.js';
import { formatBytes, formatHours } from '../../health/checks/format.js';
import { type CheckOutcome, notConfigured, notMeasured } from '../../health/checks/outcome.js';

// The thread lists the newest few; the count and total cover all of them.
const listed = 5;

/**
 * The weekly backup overview: newest backup and its age, how many there are and their total size. No backups, or a
 * newest one older than thresholds.backupMaxAgeHours, fails, as in the daily check.
 */
export const backupsSection: HealthCheck = {
  id: 'backups',
  title: 'Backups',
  async run(ctx): Promise<CheckOutcome> {
    const backups = ctx.infra.backups;
    if (!backups) return notConfigured(ctx, 'backups.bucket', 'Backups');
    const where = `s3://${backups.bucket}/${backups.prefix}`;
    let all: BackupObject[];
    try {
      all = await backups.listBackups({ signal: ctx.signal });
    } catch (err) {
      return notMeasured(ctx, err);
    }
    // Pre-restore safety copies are not the scheduled backups; counting them would hide a stale backup job.
    const safetyCopies = `${backups.prefix}pre-restore/`;
    const scheduled = all.filter((b) => !b.key.startsWith(safetyCopies));
    const maxHours = ctx.thresholds.backupMaxAgeHours;
    const threshold = `newest older than ${formatHours(maxHours)} fails`;
    const newest = scheduled[0];
    if (!newest) {
      return {
        status: 'fail',
        value: 'none',
        threshold,
        summary: `no backup yet under ${where}: try \`${ctx.command} backup now\``,
      };
    }
    const total = scheduled.reduce((sum, b) => sum + b.size, 0);
    const ageHours = (Date.now() - newest.lastModified.getTime()) / 3_600_000;
    const value = `${countOf(scheduled.length, 'backup')}, ${formatBytes(total)}; newest ${ageOld(ageHours * 3_600_000)}`;
    const details = [
      `${countOf(scheduled.length, 'backup')} under ${where}, ${formatBytes(total)} in total`,
      ...scheduled.slice(0, listed).map((b) => `${b.key} · ${formatBytes(b.size)} · ${b.lastModified.toISOString()}`),
    ];
    if (ageHours > maxHours) {
      return {
        status: 'fail',
        value,
        threshold,
        summary: `Newest backup is ${ageOld(ageHours * 3_600_000)}, older than ${formatHours(maxHours)}`,
        details,
      };
    }
    return {
      status: 'ok',
      value,
      threshold,
      summary: `Newest backup ${newest.key} (${formatBytes(newest.size)})`,
      details,
    };
  },
};
