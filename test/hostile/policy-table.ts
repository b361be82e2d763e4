import { readFileSync } from 'node:fs';

/** A risk as the README states it. */
export type TableRisk = 'read' | 'change' | 'destructive';

/** One row of the README's command table. */
export interface PolicyRow {
  /** The command words, e.g. `backup now` (arguments and flags stripped). */
  command: string;
  /** The usage as written, with Markdown's `\|` unescaped. */
  usage: string;
  /** The risk column; undefined for "–" (help). */
  risk: TableRisk | undefined;
  /** The risk column says "(see notes)": arguments or the environment can raise it. */
  seeNotes: boolean;
}

/** The policy the README documents: the command table, the role order, and the role each risk needs. */
export interface PolicyTable {
  rows: PolicyRow[];
  /** Roles weakest first, from "Roles are `viewer < operator < …`". */
  roles: string[];
  /** From "`read` runbooks need viewer, `change` and `destructive` ones operator". */
  roleForRisk: Record<TableRisk, string>;
  /** The "Risk notes:" paragraph, whitespace collapsed. */
  riskNotes: string;
}

const readmeUrl = new URL('../../README.md', import.meta.url);

function riskOf(cell: string): { risk: TableRisk | undefined; seeNotes: boolean } {
  if (cell === '–') return { risk: undefined, seeNotes: false };
  const m = /^(read|change|destructive)( \(see notes\))?$/.exec(cell);
  if (!m) throw new Error(`README command table: unreadable risk "${cell}"`);
  const risk = m[1] === 'read' ? 'read' : m[1] === 'change' ? 'change' : 'destructive';
  return { risk, seeNotes: m[2] !== undefined };
}

/** Table cells, splitting on `|` but not on Markdown's escaped `\|`. */
function cellsOf(line: string): string[] {
  return line
    .split(/(?<!\\)\|/)
    .slice(1, -1)
    .map((c) => c.trim());
}

/** Reads the command table and the "Roles and channels" rules from the README; throws when they can't be found. */
export function readPolicyTable(): PolicyTable {
  const text = readFileSync(readmeUrl, 'utf8');
  const lines = text.split('\n');
  const header = lines.findIndex((l) => /^\|\s*command\s*\|\s*risk\s*\|/.test(l));
  if (header === -1) throw new Error('README has no "| command | risk |" table');
  const rows: PolicyRow[] = [];
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith('|')) break;
    const [usageCell = '', riskCell = ''] = cellsOf(line);
    const usage = usageCell.replace(/^`|`$/g, '').replace(/\\\|/g, '|');
    const words: string[] = [];
    for (const word of usage.split(' ')) {
      if (!/^[a-z][a-z-]*$/.test(word)) break;
      words.push(word);
    }
    rows.push({ command: words.join(' '), usage, ...riskOf(riskCell) });
  }

  const prose = text.replace(/\s+/g, ' ');
  const roles = /Roles are `([^`]+)`/.exec(prose)?.[1]?.split(' < ');
  if (!roles) throw new Error('README does not state the role order ("Roles are `a < b`")');
  const rule = /`read` runbooks need (\w+), `change` and `destructive` ones (\w+)\./.exec(prose);
  if (!rule?.[1] || !rule[2]) throw new Error('README does not state which role each risk needs');
  const riskNotes = /Risk notes: (.*?)\n\n/s.exec(text)?.[1]?.replace(/\s+/g, ' ');
  if (!riskNotes) throw new Error('README has no "Risk notes:" paragraph');
  return { rows, roles, roleForRisk: { read: rule[1], change: rule[2], destructive: rule[2] }, riskNotes };
}
