import { ageOld, spanOf } from '../../../format/words.js';
import type { BackupObject } from '../../../infra/backups.js';
import type { HealthCheck } from '../check.js';
import { formatBytes, formatHours } from './format.js';
import { type CheckOutcome, notConfigured, notMeasured } from './outcome.js';

/**
 * The newest backup under the configured prefix: older than thresholds.backupMaxAgeHours, or none, fails. With no
 * backup at all (a fresh machine, or a new prefix) the line says how to make the first one.
 */
export const backupAgeCheck: HealthCheck = {
  id: 'backup-age',
  title: 'Backup age',
  async run(ctx): Promise<CheckOutcome> {
    const backups = ctx.infra.backups;
    if (!backups) return notConfigured(ctx, 'backups.bucket', 'Backups');
    const where = `s3://${backups.bucket}/${backups.prefix}`;
    const maxHours = ctx.thresholds.backupMaxAgeHours;
    const threshold = `> ${formatHours(maxHours)} fails`;
    let newest: BackupObject | undefined;
    try {
      newest = await backups.newestBackup({ signal: ctx.signal });
    } catch (err) {
      return notMeasured(ctx, err);
    }
    if (!newest) {
      return {
        status: 'fail',
        value: 'none',
        threshold,
        summary: `no backup yet: try \`${ctx.command} backup now\``,
        details: [`nothing under ${where}`],
      };
    }
    const ageMs = Date.now() - newest.lastModified.getTime();
    const value = spanOf(ageMs);
    const details = [`${newest.key} · ${formatBytes(newest.size)} · ${newest.lastModified.toISOString()}`];
    if (ageMs > maxHours * 3_600_000) {
      return {
        status: 'fail',
        value,
        threshold,
        summary: `Newest backup is ${ageOld(ageMs)}, older than ${formatHours(maxHours)}`,
        details,
      };
    }
    if (newest.size === 0) {
      return { status: 'warn', value, threshold, summary: `Newest backup ${newest.key} is empty (0 bytes)`, details };
    }
    return {
      status: 'ok',
      value,
      threshold,
      summary: `Newest backup: ${ageOld(ageMs)} (${formatBytes(newest.size)})`,
      details,
    };
  },
};
