/** The longest command text we accept; Slack allows more, but no runbook needs it. */
export const maxCommandLength = 1000;

/** A parsed command line: the words before flags, and the flags. */
export interface ParsedLine {
  words: string[];
  flags: Record<string, string | true>;
}

/** Flags that take no value. Every other flag takes the next word (or `=value`). */
const booleanFlags = new Set(['dry-run', 'force', 'restore-test', 'help', 'run', 'confirm-large', 'apply']);

/** The outcome of tokenizing: a line, or a reason the text cannot be read. */
export type TokenizeResult = { ok: true; line: ParsedLine } | { ok: false; reason: string };

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what we refuse.
const controlChars = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

const doubleQuote = 0x22;
const singleQuote = 0x27;

/** Whether a UTF-16 unit is whitespace as /\s/ sees it; ASCII answered without the regex. */
function isWhitespace(c: number): boolean {
  if (c < 0x80) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  return /\s/.test(String.fromCharCode(c));
}

/** Splits command text into words and flags, honouring "double" and 'single' quotes. Never throws. */
export function tokenize(text: string): TokenizeResult {
  if (text.length > maxCommandLength) {
    return { ok: false, reason: `The command is ${text.length} characters long; the limit is ${maxCommandLength}.` };
  }
  if (controlChars.test(text)) return { ok: false, reason: 'The command contains control characters.' };
  // Slack turns quotes into typographic ones on some clients.
  const normalized = text.replace(/[\u201C\u201D]/g, '"').replace(/[\u2018\u2019]/g, "'");
  // Scanned by index, appending whole runs of literal text: quotes and whitespace are single UTF-16 units, so this
  // reads exactly what a per-character loop would, without a string per character.
  const tokens: string[] = [];
  let current = '';
  let inToken = false;
  let quote = 0; // the char code of the open quote; 0 when none is open
  let runStart = 0; // where the literal text not yet appended to `current` begins
  for (let i = 0; i < normalized.length; i++) {
    const c = normalized.charCodeAt(i);
    if (quote !== 0) {
      if (c === quote) {
        current += normalized.slice(runStart, i);
        quote = 0;
        runStart = i + 1;
      }
    } else if (c === doubleQuote || c === singleQuote) {
      current += normalized.slice(runStart, i);
      quote = c;
      inToken = true;
      runStart = i + 1;
    } else if (isWhitespace(c)) {
      if (inToken) tokens.push(current + normalized.slice(runStart, i));
      current = '';
      inToken = false;
      runStart = i + 1;
    } else {
      inToken = true;
    }
  }
  if (quote !== 0) return { ok: false, reason: `A ${String.fromCharCode(quote)} quote is not closed.` };
  if (inToken) tokens.push(current + normalized.slice(runStart));

  const words: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] ?? '';
    if (!token.startsWith('--') || token === '--') {
      words.push(token);
      continue;
    }
    const body = token.slice(2);
    const eq = body.indexOf('=');
    const name = (eq === -1 ? body : body.slice(0, eq)).toLowerCase();
    if (!/^[a-z][a-z0-9-]{0,31}$/.test(name))
      return { ok: false, reason: `"${token.slice(0, 40)}" is not a valid flag.` };
    if (name in flags) return { ok: false, reason: `--${name} is given twice.` };
    if (eq !== -1) {
      flags[name] = body.slice(eq + 1);
    } else if (booleanFlags.has(name)) {
      flags[name] = true;
    } else {
      const value = tokens[i + 1];
      if (value === undefined || value.startsWith('--')) return { ok: false, reason: `--${name} needs a value.` };
      flags[name] = value;
      i++;
    }
  }
  return { ok: true, line: { words, flags } };
}

/**
 * Command names indexed for matching: built once (the registry is fixed at start), then each match looks up at most
 * as many word runs as the longest name has words, instead of splitting every name on every request.
 */
export class CommandNames {
  private readonly names = new Set<string>();
  private readonly maxWords: number;

  constructor(names: Iterable<string>) {
    let maxWords = 0;
    for (const name of names) {
      this.names.add(name);
      maxWords = Math.max(maxWords, name.split(' ').length);
    }
    this.maxWords = maxWords;
  }

  /** The command a line names: the longest run of leading words that is a known command, and the rest as args. */
  match(words: readonly string[]): { name: string; args: string[] } | undefined {
    // A quoted word with a space in it ("backup now") is one word, never two of a name.
    let most = Math.min(this.maxWords, words.length);
    for (let i = 0; i < most; i++) if (words[i]?.includes(' ')) most = i;
    for (let n = most; n >= 1; n--) {
      const name = words.slice(0, n).join(' ').toLowerCase();
      if (this.names.has(name)) return { name, args: words.slice(n) };
    }
    return undefined;
  }
}

/** The command a line names, among `known` (see {@link CommandNames}; build one when matching more than once). */
export function matchCommand(words: string[], known: Iterable<string>): { name: string; args: string[] } | undefined {
  return (known instanceof CommandNames ? known : new CommandNames(known)).match(words);
}

/** Edit distance counting an adjacent transposition as one edit (optimal string alignment); inputs are short. */
function distance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => rows[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= a.length; i++) {
    const row = rows[i] ?? [];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, at(i - 2, j - 2) + 1);
      row[j] = d;
    }
  }
  return at(a.length, b.length);
}

/**
 * The known command closest to what was typed. Each name is compared with as many typed words as it has (a small
 * penalty, since the rest may be arguments) and with the whole typed text, so `backup nwo` finds `backup now`.
 */
export function nearestCommand(words: string[], known: Iterable<string>): string | undefined {
  const typedAll = words.slice(0, 3).join(' ').toLowerCase().slice(0, 64);
  let best: { name: string; score: number } | undefined;
  for (const name of known) {
    const typedSame = words.slice(0, name.split(' ').length).join(' ').toLowerCase().slice(0, 64);
    const score = Math.min(distance(typedSame, name) + 0.5, distance(typedAll, name));
    if (!best || score < best.score) best = { name, score };
  }
  return best?.name;
}
