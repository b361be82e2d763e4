import type { Runbook } from '../jobs/runbook.js';

/** A flag as a runbook's usage shows it: `--max-keys N` is `{ name: 'max-keys', placeholder: 'N' }`. */
export interface UsageFlag {
  name: string;
  placeholder?: string;
}

/** What a runbook's usage line says it takes: its positional arguments (as shown) and its flags, in order. */
export interface UsageSyntax {
  positionals: string[];
  flags: UsageFlag[];
}

/** The groups of a usage line: `[...]` groups whole, other words one by one. */
function usageGroups(text: string): { optional: boolean; content: string }[] {
  const groups: { optional: boolean; content: string }[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i] ?? '';
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === '[') {
      const end = text.indexOf(']', i);
      const stop = end === -1 ? text.length : end;
      groups.push({ optional: true, content: text.slice(i + 1, stop).trim() });
      i = stop + 1;
    } else {
      const match = /^\S+/.exec(text.slice(i));
      const word = match?.[0] ?? ch;
      groups.push({ optional: false, content: word });
      i += word.length;
    }
  }
  return groups;
}

/**
 * Reads a usage line such as `cache set-ttl <pattern> <seconds> [--max-keys N] [--env NAME]`. A group whose
 * alternatives (` | `) include a flag (`[run | --run]`) counts as its flags; any other group is a positional argument,
 * shown in angle brackets as the usage names it (`<backup-key>`, `<schema.table>`, `<on|off>`).
 */
export function usageSyntax(runbook: Pick<Runbook, 'name' | 'usage'>): UsageSyntax {
  const rest = runbook.usage.startsWith(runbook.name) ? runbook.usage.slice(runbook.name.length) : runbook.usage;
  const syntax: UsageSyntax = { positionals: [], flags: [] };
  for (const group of usageGroups(rest)) {
    const alternatives = group.content.split(/\s+\|\s+/);
    const flags = alternatives.filter((a) => a.startsWith('--'));
    if (flags.length === 0) {
      syntax.positionals.push(/^<.*>$/.test(group.content) ? group.content : `<${group.content}>`);
      continue;
    }
    for (const flag of flags) {
      const [word = '', ...placeholder] = flag.split(/\s+/);
      syntax.flags.push({
        name: word.slice(2),
        ...(placeholder.length > 0 ? { placeholder: placeholder.join(' ') } : {}),
      });
    }
  }
  return syntax;
}

/** A flag as the usage writes it: `--max-keys N`, `--force`. */
export function showFlag(flag: UsageFlag): string {
  return flag.placeholder ? `--${flag.name} ${flag.placeholder}` : `--${flag.name}`;
}

/** The words of an example after the runbook's name, up to its first flag. */
function positionalWords(runbook: Pick<Runbook, 'name'>, example: string): string[] {
  const words = example.slice(runbook.name.length).trim().split(/\s+/).filter(Boolean);
  const firstFlag = words.findIndex((w) => w.startsWith('--'));
  return firstFlag === -1 ? words : words.slice(0, firstFlag);
}

/** The runbook's first example, or its bare name when it declares none. */
function plainExample(runbook: Pick<Runbook, 'name' | 'examples'>): string {
  return runbook.examples[0] ?? runbook.name;
}

/**
 * An example command that shows what was asked about: the runbook's first example that uses the flag (`sample` is
 * the value added when none does), or the first that fills the positional argument at `position`.
 */
export function exampleFor(
  runbook: Pick<Runbook, 'name' | 'examples'>,
  about: { flag: string; sample?: string } | { position: number } | undefined,
): string {
  if (about === undefined) return plainExample(runbook);
  if ('flag' in about) {
    const using = runbook.examples.find((e) =>
      e.split(/\s+/).some((w) => w === `--${about.flag}` || w.startsWith(`--${about.flag}=`)),
    );
    if (using) return using;
    const base = runbook.examples.find((e) => !e.includes('--')) ?? runbook.examples[0] ?? runbook.name;
    return [base, `--${about.flag}`, ...(about.sample === undefined ? [] : [about.sample])].join(' ');
  }
  return runbook.examples.find((e) => positionalWords(runbook, e).length > about.position) ?? plainExample(runbook);
}
