import { describe, expect, it } from 'vitest';
import { errorMessageOf, normalizeMessage, tallyErrors, topMessages } from '../../src/jobs/health/checks/log-errors.js';

describe('errorMessageOf', () => {
  it('picks text lines with the word ERROR, keyed by what follows it', () => {
    expect(errorMessageOf('2024-05-01T09:00:00.123Z ERROR Calculation failed for facility 42')).toBe(
      'Calculation failed for facility <n>',
    );
    expect(errorMessageOf('ts=2024-05-01T09:00:00Z level=error msg="db down"')).toBe('msg="db down"');
  });

  it('ignores lines that only mention errors in prose', () => {
    expect(errorMessageOf('INFO 0 errors in batch')).toBeUndefined();
    expect(errorMessageOf('')).toBeUndefined();
  });

  it('judges JSON lines by their level field and keys them by error_message, message or msg', () => {
    expect(
      errorMessageOf('{"level":"ERROR","error_message":"Boiler F-17 efficiency out of range","message":"x"}'),
    ).toBe('Boiler F-<n> efficiency out of range');
    expect(errorMessageOf('{"severity":"error","message":"timeout"}')).toBe('timeout');
    expect(errorMessageOf('{"level":50,"msg":"pino error"}')).toBe('pino error');
    expect(errorMessageOf('{"level":"info","message":"ERROR budget ok"}')).toBeUndefined();
    expect(errorMessageOf('{"level":30,"msg":"fine"}')).toBeUndefined();
    expect(errorMessageOf('{"level":"error","err":{"message":"boom"}}')).toBe('boom');
  });
});

describe('normalizeMessage', () => {
  it('replaces timestamps, ids, addresses and numbers so repeats group together', () => {
    expect(
      normalizeMessage(
        'at 2024-05-01T09:00:00Z request 3f2504e0-4f89-11d3-9a0c-0305e82c3301 trace 7f3c2a1b9d from 10.0.0.12:5432 took 300 ms',
      ),
    ).toBe('at <time> request <id> trace <id> from <ip> took <n> ms');
  });
});

describe('tallyErrors and topMessages', () => {
  it('counts and orders the most frequent messages first', () => {
    const tally = { count: 0, groups: new Map<string, number>() };
    tallyErrors('ERROR a 1\nERROR b\nERROR a 2\nINFO c\nERROR a 3\n', tally);
    expect(tally.count).toBe(4);
    expect(topMessages(tally, 5)).toEqual([
      { message: 'a <n>', count: 3 },
      { message: 'b', count: 1 },
    ]);
    expect(topMessages(tally, 1)).toHaveLength(1);
  });
});
