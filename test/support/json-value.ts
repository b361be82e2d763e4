/** A value that JSON can represent. */
export type Json = null | boolean | number | string | Json[] | JsonObject;

/** A JSON object: string keys to JSON values. */
export type JsonObject = { [key: string]: Json };

/** True when `value` is a plain JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses `text` as JSON, returning `undefined` instead of throwing on malformed input. */
export function tryParseJson(text: string): Json | undefined {
  try {
    const parsed: Json = JSON.parse(text);
    return parsed;
  } catch {
    return undefined;
  }
}

/** Deep-copies a JSON value so callers can mutate the copy freely. */
export function cloneJson<T extends Json>(value: T): T {
  return structuredClone(value);
}

/** Reads a nested object at `path` from `root`, or `undefined` when any segment is missing or not an object. */
export function objectAt(root: JsonObject, ...path: string[]): JsonObject | undefined {
  let current: JsonObject = root;
  for (const key of path) {
    const next = current[key];
    if (!isJsonObject(next)) return undefined;
    current = next;
  }
  return current;
}

/** Reads a nested object at `path`, creating empty objects along the way. */
export function ensureObjectAt(root: JsonObject, ...path: string[]): JsonObject {
  let current: JsonObject = root;
  for (const key of path) {
    const next = current[key];
    if (isJsonObject(next)) {
      current = next;
    } else {
      const created: JsonObject = {};
      current[key] = created;
      current = created;
    }
  }
  return current;
}

/** Reads a string field, or `undefined` when absent or not a string. */
export function stringAt(obj: JsonObject | undefined, key: string): string | undefined {
  const value = obj?.[key];
  return typeof value === 'string' ? value : undefined;
}

/** Reads a number field, or `undefined` when absent or not a number. */
export function numberAt(obj: JsonObject | undefined, key: string): number | undefined {
  const value = obj?.[key];
  return typeof value === 'number' ? value : undefined;
}

/** Reads a string-to-string map (labels, annotations), ignoring non-string values. */
export function stringMapAt(obj: JsonObject | undefined, key: string): Record<string, string> {
  const value = obj?.[key];
  const out: Record<string, string> = {};
  if (!isJsonObject(value)) return out;
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === 'string') out[k] = v;
  }
  return out;
}
