import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CommandNames,
  matchCommand,
  maxCommandLength,
  nearestCommand,
  tokenize,
} from '../../src/handlers/parse-command.js';

/** The word split as first written, a character at a time: the reference the scanner is checked against. */
function referenceTokens(text: string): string[] | string {
  const normalized = text.replace(/[\u201C\u201D]/g, '"').replace(/[\u2018\u2019]/g, "'");
  const tokens: string[] = [];
  let current = '';
  let inToken = false;
  let quote: string | undefined;
  for (const ch of normalized) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inToken = true;
    } else if (/\s/.test(ch)) {
      if (inToken) tokens.push(current);
      current = '';
      inToken = false;
    } else {
      current += ch;
      inToken = true;
    }
  }
  if (quote) return `A ${quote} quote is not closed.`;
  if (inToken) tokens.push(current);
  return tokens;
}

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

describe('tokenize against the character-at-a-time reference', () => {
  // Quotes (straight and typographic), every kind of whitespace /\s/ knows, astral characters, and plain text.
  const pieces = fc.constantFrom(
    '"',
    "'",
    '\u201C',
    '\u201D',
    '\u2018',
    '\u2019',
    ' ',
    '\t',
    '\n',
    '\u00A0',
    '\u2003',
    '\u3000',
    '\uFEFF',
    'a',
    'db',
    'x=1',
    '--env',
    '--dry-run',
    '😀',
    'é',
    '\u200B',
  );
  it('splits every text into the same words (no flags) or the same refusal', () => {
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 30 }), (parts) => {
        const text = parts.join('');
        const expected = referenceTokens(text);
        const got = tokenize(text);
        if (typeof expected === 'string') {
          expect(got).toEqual({ ok: false, reason: expected });
          return;
        }
        // Flags are read from the tokens afterwards; compare only texts whose tokens are all words.
        if (expected.some((t) => t.startsWith('--') && t !== '--')) return;
        expect(got).toEqual({ ok: true, line: { words: expected, flags: {} } });
      }),
      { numRuns: 2000 },
    );
  });
});

describe('matchCommand and nearestCommand', () => {
  it('matches through a CommandNames index as through a plain list, and never across a quoted word', () => {
    const names = ['backup now', 'backup', 'restore rollback', 'health'];
    const index = new CommandNames(names);
    for (const words of [['Backup', 'NOW', 'x'], ['backup'], ['backup now'], ['restore'], ['restore', 'rollback']]) {
      expect(index.match(words)).toEqual(matchCommand(words, names));
    }
    expect(index.match(['backup now'])).toBeUndefined();
    expect(index.match(['restore'])).toBeUndefined();
  });

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
