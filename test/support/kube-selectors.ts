/** A parsed selector: a predicate, or a parse error carrying the API server's message. */
export type SelectorResult<T> = { ok: true; matches: (subject: T) => boolean } | { ok: false; message: string };

type Requirement = (labels: Record<string, string>) => boolean;

const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function splitTopLevel(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth += 1;
    if (ch === ')') depth -= 1;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

function parseRequirement(text: string): Requirement | string {
  const setMatch = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(text);
  if (setMatch?.[1] && setMatch[2] && setMatch[3] !== undefined) {
    const key = setMatch[1];
    const values = new Set(setMatch[3].split(',').map((v) => v.trim()));
    if (!LABEL_KEY.test(key)) return `unable to parse requirement: invalid label key "${key}"`;
    const wantIn = setMatch[2] === 'in';
    return (labels) => {
      const value = labels[key];
      return wantIn ? value !== undefined && values.has(value) : value === undefined || !values.has(value);
    };
  }
  const opMatch = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(text);
  if (opMatch?.[1] && opMatch[2]) {
    const key = opMatch[1];
    const value = opMatch[3] ?? '';
    if (!LABEL_KEY.test(key)) return `unable to parse requirement: invalid label key "${key}"`;
    if (!LABEL_VALUE.test(value)) return `unable to parse requirement: invalid label value: "${value}"`;
    if (opMatch[2] === '!=') return (labels) => labels[key] !== value;
    return (labels) => labels[key] === value;
  }
  const existsMatch = /^(!?)\s*(\S+)$/.exec(text);
  if (existsMatch?.[2] && LABEL_KEY.test(existsMatch[2])) {
    const key = existsMatch[2];
    return existsMatch[1] === '!' ? (labels) => labels[key] === undefined : (labels) => labels[key] !== undefined;
  }
  return `unable to parse requirement: found '${text}', expected: in, notin, =, ==, !=, gt, lt`;
}

/** Parses a label selector (`a=b,c!=d,e in (x,y),!f`); an empty or absent selector matches everything. */
export function parseLabelSelector(selector: string | undefined): SelectorResult<Record<string, string>> {
  if (selector === undefined || selector.trim() === '') return { ok: true, matches: () => true };
  const requirements: Requirement[] = [];
  for (const part of splitTopLevel(selector)) {
    const parsed = parseRequirement(part);
    if (typeof parsed === 'string') return { ok: false, message: parsed };
    requirements.push(parsed);
  }
  return { ok: true, matches: (labels) => requirements.every((r) => r(labels)) };
}

/** Reads the value of a selectable field from an object, as the field selector compares it. */
export type FieldGetter<T> = (subject: T) => string;

/**
 * Parses a field selector (`status.phase!=Running,spec.nodeName=n1`) against the fields a resource supports,
 * failing with the API server's `field label not supported` message for any other field.
 */
export function parseFieldSelector<T>(
  selector: string | undefined,
  fields: Record<string, FieldGetter<T>>,
): SelectorResult<T> {
  if (selector === undefined || selector.trim() === '') return { ok: true, matches: () => true };
  const checks: Array<(subject: T) => boolean> = [];
  for (const part of splitTopLevel(selector)) {
    const match = /^([^=!]+)(==|=|!=)(.*)$/.exec(part);
    if (!match?.[1] || !match[2])
      return { ok: false, message: `invalid selector: '${selector}'; can't understand '${part}'` };
    const field = match[1].trim();
    const getter = fields[field];
    if (!getter) return { ok: false, message: `field label not supported: ${field}` };
    const value = (match[3] ?? '').trim();
    checks.push(match[2] === '!=' ? (s) => getter(s) !== value : (s) => getter(s) === value);
  }
  return { ok: true, matches: (subject) => checks.every((c) => c(subject)) };
}

/** True when every `matchLabels` entry is present with the same value in `labels`. */
export function matchesLabels(matchLabels: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(matchLabels).every(([k, v]) => labels[k] === v);
}

/** Renders `matchLabels` as the selector string a Scale object reports, e.g. `app=api,tier=web`. */
export function formatLabelSelector(matchLabels: Record<string, string>): string {
  return Object.entries(matchLabels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}
