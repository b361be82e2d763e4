import { placeholderOf, type ScriptConfig, type ScriptParam } from '../../../config/scripts-config.js';
import { UserError } from '../../../errors.js';
import type { RunTarget } from '../../runbook.js';

/** The scripts an environment offers: the service's, with the environment's added or replacing them by name. */
export function scriptsOf(target: RunTarget): ScriptConfig[] {
  const byName = new Map<string, ScriptConfig>();
  for (const s of target.service.scripts) byName.set(s.name, s);
  for (const s of target.env.scripts) byName.set(s.name, s);
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** The script of that name, or a UserError listing the ones there are. */
export function requireScript(target: RunTarget, name: string): ScriptConfig {
  const scripts = scriptsOf(target);
  const found = scripts.find((s) => s.name === name);
  if (found) return found;
  const where = `${target.service.displayName} (${target.environment})`;
  throw new UserError(
    'invalid_arguments',
    scripts.length === 0
      ? `No scripts are configured for ${where}; add them under scripts: in the ops config.`
      : `<name>: no script "${name.slice(0, 40)}" is configured for ${where}; there are: ${scripts.map((s) => s.name).join(', ')}.`,
  );
}

const count = (n: number) => n.toLocaleString('en-US');

/** What a parameter accepts, in words. */
export function acceptedText(param: ScriptParam): string {
  if (param.description) return param.description;
  switch (param.type) {
    case 'integer':
      return `a whole number from ${count(param.min)} to ${count(param.max)}`;
    case 'enum':
      return `one of: ${param.values.join(', ')}`;
    case 'list':
      return `a comma-separated list of up to ${count(param.maxItems)} items, each matching ${param.pattern}`;
    case 'string':
      return `text matching ${param.pattern}`;
  }
}

const whole = (pattern: string, value: string) => new RegExp(`^(?:${pattern})$`).test(value);

/** The argv words one value becomes, or undefined when the parameter does not accept it. */
function wordsFor(param: ScriptParam, value: string): string[] | undefined {
  switch (param.type) {
    case 'integer': {
      if (!/^-?\d{1,15}$/.test(value)) return undefined;
      const n = Number(value);
      return n >= param.min && n <= param.max ? [String(n)] : undefined;
    }
    case 'enum':
      return param.values.includes(value) ? [value] : undefined;
    case 'list': {
      const items = value.split(',');
      if (items.length > param.maxItems || items.some((i) => i === '' || !whole(param.pattern, i))) return undefined;
      return items;
    }
    case 'string':
      return value !== '' && whole(param.pattern, value) ? [value] : undefined;
  }
}

function defaultWords(param: ScriptParam): string[] | undefined {
  if (param.default === undefined) return undefined;
  return Array.isArray(param.default) ? [...param.default] : [String(param.default)];
}

/** An example invocation of a script, with every parameter that has no default. */
export function scriptExample(command: string, script: ScriptConfig): string {
  const required = Object.entries(script.params)
    .filter(([, p]) => p.default === undefined)
    .map(([name, p]) => `${name}=${sampleOf(p)}`);
  return `${command} script ${script.name}${required.length > 0 ? ` ${required.join(' ')}` : ''}`;
}

function sampleOf(p: ScriptParam): string {
  switch (p.type) {
    case 'integer':
      return String(p.min);
    case 'enum':
      return p.values[0] ?? '';
    default:
      return 'VALUE';
  }
}

/**
 * The argv a script runs with these `param=value` arguments: each `{param}` word replaced by its value's words (a
 * default where one is given). Throws a UserError naming every argument that is wrong and what it accepts.
 */
export function compileScript(
  target: RunTarget,
  script: ScriptConfig,
  args: Readonly<Record<string, string>>,
): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(args)) {
    if (!(key in script.params)) {
      const known = Object.keys(script.params);
      problems.push(
        `${key}: script ${script.name} has no such parameter; ${known.length === 0 ? 'it takes none' : `it takes ${known.join(', ')}`}.`,
      );
    }
  }
  const values = new Map<string, string[]>();
  for (const [name, param] of Object.entries(script.params)) {
    const given = args[name];
    const words = given === undefined ? defaultWords(param) : wordsFor(param, given);
    if (words !== undefined) values.set(name, words);
    else if (given === undefined) problems.push(`script ${script.name} needs ${name}=…: ${acceptedText(param)}.`);
    else
      problems.push(
        `${name} must be ${acceptedText(param)}; you gave "${given.length > 40 ? `${given.slice(0, 40)}…` : given}".`,
      );
  }
  if (problems.length > 0) {
    throw new UserError(
      'invalid_arguments',
      `${problems.join(' ')} Example: \`${scriptExample(target.service.command, script)}\``,
    );
  }
  return script.argv.flatMap((word) => {
    const name = placeholderOf(word);
    return name === undefined ? [word] : (values.get(name) ?? []);
  });
}
