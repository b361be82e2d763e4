/**
 * What a line handler may do with one line of a plain dump outside COPY data: keep it, drop it, or replace it with
 * other text (without the newline).
 */
export type LineVerdict = 'keep' | 'drop' | { replace: string };

/** Receives the dump's lines outside COPY data, with whether each starts a statement (is not inside one). */
export type LineHandler = (line: string, atStatementStart: boolean) => LineVerdict;

const newline = 0x0a;
// COPY data ends with a line holding only `\.`.
const copyEnd = Buffer.from('\n\\.\n', 'latin1');
const copyEndAtStart = Buffer.from('\\.\n', 'latin1');
const copyStart = /^COPY .* FROM stdin;\s*$/;

/**
 * Splits a plain SQL dump (pg_dump's text, or pg_restore's script output) into lines, as psql would read it, in one
 * streaming pass with bounded memory. COPY data passes through as raw bytes without being decoded or split, so the
 * cost stays close to a copy. Outside COPY data it follows quotes (single, double, dollar) and statement ends, so a
 * line inside a function body or a multi-line string is never taken for a statement of its own.
 */
export class DumpScanner {
  private carry: Buffer = Buffer.alloc(0);
  private inCopy = false;
  private single = false;
  private double = false;
  private dollarTag: string | null = null;
  private statementEnded = true;

  constructor(private readonly handle: LineHandler) {}

  /** Feeds a chunk; `emit` receives the bytes to pass on (kept or replaced lines, and COPY data as is). */
  push(chunk: Buffer, emit: (out: Buffer) => void): void {
    let buf = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    this.carry = Buffer.alloc(0);
    let pos = 0;
    while (pos < buf.length) {
      if (this.inCopy) {
        if (buf.length - pos >= copyEndAtStart.length && buf.subarray(pos, pos + 3).equals(copyEndAtStart)) {
          emit(buf.subarray(pos, pos + 3));
          pos += 3;
          this.inCopy = false;
          continue;
        }
        const end = buf.indexOf(copyEnd, pos);
        if (end === -1) {
          // Pass everything on except a tail that could be the start of the terminator.
          const keep = Math.min(buf.length - pos, copyEnd.length - 1);
          const cut = buf.length - keep;
          if (cut > pos) emit(buf.subarray(pos, cut));
          this.carry = Buffer.from(buf.subarray(cut));
          return;
        }
        emit(buf.subarray(pos, end + copyEnd.length));
        pos = end + copyEnd.length;
        this.inCopy = false;
        continue;
      }
      const eol = buf.indexOf(newline, pos);
      if (eol === -1) {
        this.carry = Buffer.from(buf.subarray(pos));
        return;
      }
      this.line(buf.subarray(pos, eol + 1), emit);
      pos = eol + 1;
    }
    buf = Buffer.alloc(0);
  }

  /** Ends the input: a last line without a newline is handled too. */
  end(emit: (out: Buffer) => void): void {
    if (this.carry.length === 0) return;
    const rest = this.carry;
    this.carry = Buffer.alloc(0);
    if (this.inCopy) emit(rest);
    else this.line(rest, emit);
  }

  /** Whether the input so far ended inside COPY data or a quoted string (a cut-off dump). */
  get midStatement(): boolean {
    return this.inCopy || this.single || this.double || this.dollarTag !== null || !this.statementEnded;
  }

  private line(raw: Buffer, emit: (out: Buffer) => void): void {
    const hasNewline = raw[raw.length - 1] === newline;
    const text = raw.toString('utf8', 0, hasNewline ? raw.length - 1 : raw.length).replace(/\r$/, '');
    const atStart = this.statementEnded && !this.single && !this.double && this.dollarTag === null;
    const verdict = this.handle(text, atStart);
    if (verdict === 'keep') emit(raw);
    else if (verdict !== 'drop') emit(Buffer.from(`${verdict.replace}\n`, 'utf8'));
    this.advance(text, atStart);
    if (atStart && copyStart.test(text)) {
      this.inCopy = true;
      this.statementEnded = true;
    }
  }

  /** Updates the quote and statement state past one line. */
  private advance(text: string, atStart: boolean): void {
    const trimmed = text.trim();
    if (atStart && (trimmed === '' || trimmed.startsWith('--'))) return;
    // psql meta-commands (\connect, \restrict) are one line each.
    if (atStart && trimmed.startsWith('\\')) return;
    let lastSignificant = '';
    for (let i = 0; i < text.length; i++) {
      const c = text.charAt(i);
      if (this.dollarTag !== null) {
        if (c === '$' && text.startsWith(this.dollarTag, i)) {
          i += this.dollarTag.length - 1;
          this.dollarTag = null;
          lastSignificant = '$';
        }
        continue;
      }
      if (this.single) {
        if (c === "'") this.single = false;
        lastSignificant = c;
        continue;
      }
      if (this.double) {
        if (c === '"') this.double = false;
        lastSignificant = c;
        continue;
      }
      if (c === '-' && text[i + 1] === '-') break;
      if (c === "'") this.single = true;
      else if (c === '"') this.double = true;
      else if (c === '$') {
        const m = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(text.slice(i));
        if (m) {
          this.dollarTag = m[0];
          i += m[0].length - 1;
        }
      }
      if (c !== ' ' && c !== '\t') lastSignificant = c;
    }
    const quoted = this.single || this.double || this.dollarTag !== null;
    if (lastSignificant !== '') this.statementEnded = !quoted && lastSignificant === ';';
  }
}
