import { z } from 'zod';
import type { Runbook } from '../jobs/runbook.js';
import { exampleFor, showFlag, type UsageSyntax, usageSyntax } from './argument-syntax.js';

/** The params key the runbooks' parseArgs put extra words under, for their strict schemas to refuse. */
const extraWordsKey = 'unexpected';

/**
 * Stands in for zod's own wording, which names types and schema keys. zod uses a per-parse error map only where the
 * schema gave no message of its own, so an issue carrying this came from zod and one carrying anything else is ours.
 */
const zodsWording = '\u0000zod';

/** The outcome of checking a command's arguments: the params, or a refusal written for the person who typed them. */
export type ArgumentsResult<P> = { ok: true; params: P } | { ok: false; message: string };

/** The parts of a params property's JSON Schema that say what it accepts. */
const propertySchema = z
  .object({
    type: z.string().optional(),
    description: z.string().optional(),
    minimum: z.number().optional(),
    maximum: z.number().optional(),
    enum: z.array(z.unknown()).optional(),
    default: z.unknown().optional(),
  })
  .loose();
type Property = z.infer<typeof propertySchema>;

const propertiesCache = new WeakMap<z.ZodType, ReadonlyMap<string, Property>>();

/** The properties of a runbook's params as JSON Schema (input side), or none when the schema has no such form. */
function propertiesOf(params: z.ZodType): ReadonlyMap<string, Property> {
  const cached = propertiesCache.get(params);
  if (cached) return cached;
  const properties = new Map<string, Property>();
  try {
    const json = z.toJSONSchema(params, { io: 'input', unrepresentable: 'any' });
    for (const [key, value] of Object.entries(json.properties ?? {})) {
      const property = propertySchema.safeParse(value);
      if (property.success) properties.set(key, property.data);
    }
  } catch {
    // A schema JSON Schema cannot express (e.g. a cycle): its refusals fall back to our schemas' own messages.
  }
  propertiesCache.set(params, properties);
  return properties;
}

const count = (n: number) => n.toLocaleString('en-US');

/** What a property accepts, in words: "no value", "a whole number from 1 to 50", "one of: plain, custom". */
function acceptedValues(property: Property | undefined): string | undefined {
  if (!property) return undefined;
  if (property.description) return property.description;
  if (property.type === 'boolean') return 'no value';
  if (property.enum && property.enum.length > 0) return `one of: ${property.enum.map(String).join(', ')}`;
  if (property.type === 'integer' || property.type === 'number') {
    const what = property.type === 'integer' ? 'a whole number' : 'a number';
    const { minimum: min, maximum: max } = property;
    if (min !== undefined && max !== undefined) return `${what} from ${count(min)} to ${count(max)}`;
    if (min !== undefined) return `${what} of at least ${count(min)}`;
    if (max !== undefined) return `${what} of at most ${count(max)}`;
    return what;
  }
  return undefined;
}

/** A value to show with a flag in an example: its default, else its first choice or its minimum. */
function sampleValue(property: Property | undefined): string | undefined {
  if (!property || property.type === 'boolean') return undefined;
  const candidate = property.default ?? property.enum?.[0] ?? property.minimum;
  return typeof candidate === 'string' || typeof candidate === 'number' ? String(candidate) : undefined;
}

/** `confirmLarge` → `confirm-large`: the flag spelling of a camelCase params key. */
const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** One field of the object parseArgs returned. */
function fieldOf(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? new Map(Object.entries(value)).get(key) : undefined;
}

/** Which positional word a runbook's parseArgs puts under `key`, found by asking it about distinct words. */
function positionOf(runbook: Pick<Runbook, 'parseArgs'>, key: string): number | undefined {
  const probes = ['first-word', 'second-word', 'third-word', 'fourth-word'];
  let parsed: unknown;
  try {
    parsed = runbook.parseArgs([...probes], {});
  } catch {
    return undefined;
  }
  const value = fieldOf(parsed, key);
  const position = typeof value === 'string' ? probes.indexOf(value) : -1;
  return position === -1 ? undefined : position;
}

/** A params key as the user typed it or as the usage shows it: `--confirm-large`, `<replicas>`. */
interface Argument {
  typed: string;
  flag?: string;
  position?: number;
}

interface Context {
  runbook: Pick<Runbook, 'name' | 'usage' | 'examples' | 'parseArgs'>;
  syntax: UsageSyntax;
  args: readonly string[];
  flags: Record<string, string | true>;
  raw: unknown;
  properties: ReadonlyMap<string, Property>;
}

function argumentOf(ctx: Context, key: string): Argument {
  const spellings = [key, kebab(key)];
  const value = fieldOf(ctx.raw, key);
  // The flag the user typed, when parseArgs passed its value on under this key (it may rename or drop flags).
  const typed = spellings.find((s) => Object.hasOwn(ctx.flags, s) && ctx.flags[s] === value);
  const usageFlag = spellings.find((s) => ctx.syntax.flags.some((f) => f.name === s));
  const position = usageFlag === undefined ? positionOf(ctx.runbook, key) : undefined;
  if (typed !== undefined || usageFlag !== undefined) {
    const flag = typed ?? usageFlag ?? key;
    return { typed: `--${flag}`, ...(position === undefined ? { flag } : { position }) };
  }
  if (position !== undefined) {
    return { typed: ctx.syntax.positionals[position] ?? `the word after ${ctx.runbook.name}`, position };
  }
  return { typed: `<${kebab(key)}>` };
}

/** A value the user gave, short enough to quote. */
function quoted(value: unknown): string {
  const text = String(value);
  return `"${text.length > 40 ? `${text.slice(0, 40)}…` : text}"`;
}

/** A message one of our schemas gives, said about the argument unless it already names it. */
function ourWords(typed: string, message: string): string {
  const text = message.trim().replace(/\.$/, '');
  return text.includes(typed) ? `${text}.` : `${typed}: ${text}.`;
}

type ExampleAbout = Parameters<typeof exampleFor>[1];

interface Sentence {
  text: string;
  about: ExampleAbout;
}

function flagList(syntax: UsageSyntax): string {
  const flags = syntax.flags.map(showFlag);
  if (flags.length === 0) return 'it takes no flags';
  return flags.length === 1 ? `its only flag is ${flags[0]}` : `its flags are ${flags.join(', ')}`;
}

/** Sentences for keys the strict schema does not know: extra words, and flags the runbook does not take. */
function unknownKeySentences(ctx: Context, keys: readonly string[]): Sentence[] {
  const { runbook, syntax } = ctx;
  const sentences: Sentence[] = [];
  if (keys.includes(extraWordsKey)) {
    const takes = syntax.positionals.length > 0 ? `only ${syntax.positionals.join(' ')}` : 'no words after its name';
    const words = fieldOf(ctx.raw, extraWordsKey);
    const extra = String(words).includes(' ') ? 'Extra words' : 'Extra word';
    sentences.push({ text: `${extra} ${quoted(words)}: ${runbook.name} takes ${takes}.`, about: undefined });
  }
  const flags = keys
    .filter((k) => k !== extraWordsKey)
    .map((k) => (k.startsWith('--') ? k : `--${Object.hasOwn(ctx.flags, k) ? k : kebab(k)}`));
  if (flags.length > 0) {
    sentences.push({
      text: `${runbook.name} does not take ${flags.join(', ')}; ${flagList(syntax)}.`,
      about: undefined,
    });
  }
  return sentences;
}

/** The sentence for one issue about one params key. */
function keySentence(ctx: Context, key: string, issue: z.core.$ZodIssue): Sentence {
  const arg = argumentOf(ctx, key);
  const property = ctx.properties.get(key);
  const about: ExampleAbout =
    arg.flag !== undefined
      ? { flag: arg.flag, sample: sampleValue(property) }
      : arg.position !== undefined
        ? { position: arg.position }
        : undefined;
  const custom = issue.message === zodsWording ? undefined : issue.message;
  // A refinement's message says what is wrong with this value (our words); a type or range issue is better said as
  // what the argument accepts.
  if (issue.code === 'custom' && custom) return { text: ourWords(arg.typed, custom), about };
  const accepts = acceptedValues(property);
  const value = fieldOf(ctx.raw, key);
  if (accepts) {
    // Some parseArgs give a positional word the user left out as "".
    const leftOut = arg.position !== undefined && arg.position >= ctx.args.length && arg.flag === undefined;
    if (value === undefined || (value === '' && leftOut)) {
      return { text: `${ctx.runbook.name} needs ${arg.typed}: ${accepts}.`, about };
    }
    if (value === true) return { text: `${arg.typed} needs a value: ${accepts}.`, about };
    const verb = arg.typed.startsWith('--') ? 'takes' : 'must be';
    return { text: `${arg.typed} ${verb} ${accepts}; you gave ${quoted(value)}.`, about };
  }
  if (custom) return { text: ourWords(arg.typed, custom), about };
  if (value === undefined) return { text: `${ctx.runbook.name} needs ${arg.typed}.`, about };
  return { text: `${arg.typed} does not accept ${quoted(value)}; see the example.`, about };
}

/** Our words for zod's issues: one sentence per argument, naming it as typed and saying what it accepts. */
function sentencesFor(ctx: Context, issues: readonly z.core.$ZodIssue[]): Sentence[] {
  const sentences: Sentence[] = [];
  const seen = new Set<string>();
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      const fresh = issue.keys.filter((k) => !seen.has(k));
      for (const k of fresh) seen.add(k);
      sentences.push(...unknownKeySentences(ctx, fresh));
      continue;
    }
    const key = issue.path[0];
    if (typeof key !== 'string') {
      const custom = issue.message === zodsWording ? undefined : issue.message;
      sentences.push({
        text: custom ? ourWords('', custom) : 'These arguments do not fit together.',
        about: undefined,
      });
      continue;
    }
    if (seen.has(key)) continue;
    seen.add(key);
    sentences.push(keySentence(ctx, key, issue));
  }
  return sentences;
}

/**
 * Checks a command's words and flags against a runbook's params. A refusal names each argument as the user typed it
 * (`--max-keys`, or a positional argument as the usage shows it), says what it accepts, and ends with an example;
 * it never shows a schema key, a type name or zod's own wording.
 */
export function parseRunbookArguments<P>(
  runbook: Runbook<P>,
  command: string,
  args: string[],
  flags: Record<string, string | true>,
): ArgumentsResult<P> {
  const raw = runbook.parseArgs(args, flags);
  const parsed = runbook.params.safeParse(raw, { error: () => zodsWording });
  if (parsed.success) return { ok: true, params: parsed.data };
  const ctx: Context = {
    runbook,
    syntax: usageSyntax(runbook),
    args,
    flags,
    raw,
    properties: propertiesOf(runbook.params),
  };
  const sentences = sentencesFor(ctx, parsed.error.issues);
  const first = sentences[0];
  const text = first ? sentences.map((s) => s.text).join(' ') : `These arguments do not fit ${runbook.name}.`;
  return { ok: false, message: `${text} Example: \`${command} ${exampleFor(runbook, first?.about)}\`` };
}
