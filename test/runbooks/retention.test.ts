import { describe, expect, it } from 'vitest';
import type { BackupObject } from '../../src/infra/backups.js';
import { applyRetention, calendarMonth, isoWeek } from '../../src/jobs/retention.js';

const policy = { dailyDays: 30, weeklyDays: 90, monthlyDays: 365, keepAtLeast: 3 };
const prefix = 'thermaliq/production/';
const now = new Date('2026-11-23T12:00:00Z');
const at = (iso: string): BackupObject => ({
  key: `${prefix}db-${iso.slice(0, 16).replace(/[-:T]/g, '')}.sql.gz`,
  size: 100,
  lastModified: new Date(iso),
});

function decisions(objects: BackupObject[], p = policy) {
  return Object.fromEntries(applyRetention(objects, p, prefix, now).map((d) => [d.key, `${d.action}: ${d.reason}`]));
}

describe('ISO weeks and months', () => {
  it.each([
    ['2026-01-01T00:00:00Z', '2026-W01'], // a Thursday: week 1
    ['2025-12-29T00:00:00Z', '2026-W01'], // the Monday of that week is still December
    ['2027-01-01T00:00:00Z', '2026-W53'], // a Friday: the last week of 2026
    ['2021-01-03T23:59:59Z', '2020-W53'], // a Sunday
    ['2026-11-23T00:00:00Z', '2026-W48'],
  ])('%s is in %s', (iso, week) => {
    expect(isoWeek(new Date(iso))).toBe(week);
  });
  it('months are calendar months in UTC', () => {
    expect(calendarMonth(new Date('2026-01-31T23:59:59Z'))).toBe('2026-01');
  });
});

describe('applyRetention', () => {
  it('keeps dailies for 30 d, the newest of each week for 90 d and of each month for a year', () => {
    const objects = [
      at('2026-11-22T02:00:00Z'), // 1 d
      at('2026-10-25T02:00:00Z'), // 29 d
      at('2026-10-07T02:00:00Z'), // Wed, 47 d, newest of 2026-W41
      at('2026-10-06T02:00:00Z'), // Tue, 48 d, same week and month: goes
      at('2026-08-20T02:00:00Z'), // 95 d, newest of 2026-08: monthly
      at('2026-08-05T02:00:00Z'), // 110 d, newest of its week but > 90 d, not newest of month: goes
      at('2025-10-01T02:00:00Z'), // 418 d: goes
    ];
    const d = decisions(objects);
    expect(d).toEqual({
      [`${prefix}db-202611220200.sql.gz`]: 'keep: daily, within 30 d',
      [`${prefix}db-202610250200.sql.gz`]: 'keep: daily, within 30 d',
      [`${prefix}db-202610070200.sql.gz`]: 'keep: weekly: newest of 2026-W41, within 90 d',
      [`${prefix}db-202610060200.sql.gz`]: 'delete: older than 30 d, not the newest of 2026-W41 or 2026-10',
      [`${prefix}db-202608200200.sql.gz`]: 'keep: monthly: newest of 2026-08, within 365 d',
      [`${prefix}db-202608050200.sql.gz`]: 'delete: weekly older than 90 d, not the newest of 2026-08',
      [`${prefix}db-202510010200.sql.gz`]: 'delete: older than 365 d',
    });
  });

  it('never keeps fewer than keepAtLeast of the newest backups, however old', () => {
    const objects = [
      at('2024-01-10T00:00:00Z'),
      at('2024-01-09T00:00:00Z'),
      at('2024-01-08T00:00:00Z'),
      at('2024-01-02T00:00:00Z'),
    ];
    const d = decisions(objects);
    expect(Object.values(d)).toEqual([
      'delete: older than 365 d',
      'keep: one of the 3 newest backups',
      'keep: one of the 3 newest backups',
      'keep: one of the 3 newest backups',
    ]);
  });

  it('pre-restore copies live for the daily window and never count as weekly, monthly or newest', () => {
    const copy = (iso: string, id: string): BackupObject => ({
      key: `${prefix}pre-restore/${id}.sql.gz`,
      size: 5,
      lastModified: new Date(iso),
    });
    const objects = [
      copy('2026-11-20T00:00:00Z', 'r-new'),
      copy('2026-09-30T00:00:00Z', 'r-old'),
      at('2026-11-01T00:00:00Z'),
      at('2026-10-30T00:00:00Z'),
      at('2026-10-29T00:00:00Z'),
    ];
    const d = decisions(objects);
    expect(d[`${prefix}pre-restore/r-new.sql.gz`]).toBe('keep: pre-restore copy, within 30 d');
    expect(d[`${prefix}pre-restore/r-old.sql.gz`]).toBe('delete: pre-restore copy older than 30 d');
  });

  it('leaves alone what is not named like a backup, and anything outside the prefix', () => {
    const old = new Date('2020-01-01T00:00:00Z');
    const d = applyRetention(
      [
        { key: `${prefix}README.txt`, size: 1, lastModified: old },
        { key: `${prefix}latest`, size: 1, lastModified: old },
        { key: 'thermaliq/staging/db.sql.gz', size: 1, lastModified: old },
      ],
      { ...policy, keepAtLeast: 1 },
      prefix,
      now,
    );
    expect(d.map((x) => x.action)).toEqual(['keep', 'keep', 'keep']);
    expect(d.map((x) => x.reason)).toEqual([
      'not named like a backup; left alone',
      'not named like a backup; left alone',
      'outside the backup prefix',
    ]);
  });
});
