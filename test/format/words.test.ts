import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ageOld, agoOf, countOf, nounFor, spanOf } from '../../src/format/words.js';

const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;

describe('counts and ages in words (issue 13: "1 connections", "1 backup(s)", "0 h old")', () => {
  it('puts the noun in the number English wants, with thousands separators', () => {
    expect(countOf(1, 'connection')).toBe('1 connection');
    expect(countOf(0, 'connection')).toBe('0 connections');
    expect(countOf(2, 'backup')).toBe('2 backups');
    expect(countOf(1200, 'table')).toBe('1,200 tables');
    expect(countOf(1, 'entry', 'entries')).toBe('1 entry');
    expect(countOf(3, 'entry', 'entries')).toBe('3 entries');
    expect(countOf(1, 'table needs', 'tables need')).toBe('1 table needs');
    expect(nounFor(1, 'has', 'have')).toBe('has');
    expect(nounFor(5, 'has', 'have')).toBe('have');
  });

  it('never writes "(s)", and only exactly one takes the singular', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), (n) => {
        const text = countOf(n, 'replica');
        expect(text).not.toContain('(s)');
        expect(text.endsWith('replicas')).toBe(n !== 1);
      }),
    );
  });

  it('says ages as people do: just now, minutes, hours, days', () => {
    expect(ageOld(0)).toBe('just now');
    expect(ageOld(59_000)).toBe('just now');
    expect(ageOld(-5 * minute)).toBe('just now');
    expect(ageOld(12 * minute + 30_000)).toBe('12 min old');
    expect(ageOld(3 * hour)).toBe('3 h old');
    expect(ageOld(3.25 * hour)).toBe('3.2 h old');
    expect(ageOld(30 * hour)).toBe('30 h old');
    expect(ageOld(2 * day + hour)).toBe('2 days old');
    expect(agoOf(12 * minute)).toBe('12 min ago');
    expect(agoOf(1_000)).toBe('just now');
    expect(spanOf(30_000)).toBe('under a minute');
  });

  it('never rounds an age up past what it is: one under a threshold in hours never reads as over it', () => {
    fc.assert(
      fc.property(fc.integer({ min: hour, max: 2 * day - 1 }), (ms) => {
        const shown = Number(spanOf(ms).replace(' h', ''));
        expect(shown).toBeLessThanOrEqual(ms / hour);
        expect(ms / hour - shown).toBeLessThan(0.1 + 1e-9);
      }),
    );
    expect(ageOld(25.1 * hour)).toBe('25.1 h old');
  });
});
