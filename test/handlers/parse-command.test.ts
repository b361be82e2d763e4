import { describe, expect, it } from 'vitest';
import { matchCommand, maxCommandLength, nearestCommand, tokenize } from '../../src/handlers/parse-command.js';

describe('tokenize', () => {
  it('splits words and flags, with values in both forms', () => {
    expect(tokenize('restore  thermaliq/x.sql.gz --env staging --dry-run')).toEqual({
      ok: true,
      line: { words: ['restore', 'thermaliq/x.sql.gz'], flags: { env: 'staging', 'dry-run': true } },
    });
    expect(tokenize('health --env=staging')).toEqual({
      ok: true,
      line: { words: ['health'], flags: { env: 'staging' } },
    });
  });

  it('keeps quoted text together, including typographic quotes', () => {
    expect(tokenize('db vacuum "x; DROP TABLE y"')).toEqual({
      ok: true,
      line: { words: ['db', 'vacuum', 'x; DROP TABLE y'], flags: {} },
    });
    expect(tokenize('db vacuum \u201Ca b\u201D')).toMatchObject({ ok: true, line: { words: ['db', 'vacuum', 'a b'] } });
  });

  it('refuses unclosed quotes, control characters, repeated or valueless flags and overlong input', () => {
    expect(tokenize('health "oops')).toEqual({ ok: false, reason: 'A " quote is not closed.' });
    expect(tokenize('health \u0007')).toEqual({ ok: false, reason: 'The command contains control characters.' });
    expect(tokenize('health --env a --env b')).toEqual({ ok: false, reason: '--env is given twice.' });
    expect(tokenize('health --env')).toEqual({ ok: false, reason: '--env needs a value.' });
    expect(tokenize('health --$$')).toMatchObject({ ok: false });
    const long = tokenize('x'.repeat(maxCommandLength + 1));
    expect(long.ok).toBe(false);
  });
});

describe('matchCommand and nearestCommand', () => {
  const known = ['health', 'backup now', 'backup prune', 'backups'];

  it('prefers the longest multi-word command and returns the rest as args', () => {
    expect(matchCommand(['backup', 'now', 'extra'], known)).toEqual({ name: 'backup now', args: ['extra'] });
    expect(matchCommand(['HEALTH'], known)).toEqual({ name: 'health', args: [] });
    expect(matchCommand(['healthz'], known)).toBeUndefined();
  });

  it('suggests the nearest command for a typo', () => {
    expect(nearestCommand(['helth'], known)).toBe('health');
    expect(nearestCommand(['backup', 'nwo'], known)).toBe('backup now');
  });
});
