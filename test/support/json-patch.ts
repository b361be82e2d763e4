import { cloneJson, isJsonObject, type Json, type JsonObject } from './json-value.js';

/** Applies an RFC 7386 JSON merge patch, returning a new value (null deletes a key). */
export function applyMergePatch(target: Json, patch: Json): Json {
  if (!isJsonObject(patch)) return cloneJson(patch);
  const result: JsonObject = isJsonObject(target) ? cloneJson(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete result[key];
    } else {
      result[key] = applyMergePatch(result[key] ?? null, value);
    }
  }
  return result;
}

/** Thrown when a JSON patch cannot be applied; `status` is the HTTP code the API server would answer with. */
export class JsonPatchError extends Error {
  /** HTTP status for the failure (422 for a failed `test`/missing path, 400 for a malformed operation). */
  readonly status: number;

  /** Creates an error with its HTTP status. */
  constructor(message: string, status: number) {
    super(message);
    this.name = 'JsonPatchError';
    this.status = status;
  }
}

function decodePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new JsonPatchError(`invalid JSON pointer: ${pointer}`, 400);
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function getChild(container: Json, key: string): Json | undefined {
  if (Array.isArray(container)) return container[Number(key)];
  if (isJsonObject(container)) return container[key];
  return undefined;
}

function parentOf(root: Json, segments: string[], path: string): { parent: Json; key: string } {
  const key = segments.at(-1);
  if (key === undefined) throw new JsonPatchError(`path ${path} addresses the whole document`, 422);
  let parent: Json = root;
  for (const segment of segments.slice(0, -1)) {
    const next = getChild(parent, segment);
    if (next === undefined) throw new JsonPatchError(`doc is missing path: "${path}"`, 422);
    parent = next;
  }
  return { parent, key };
}

function arrayIndex(arr: Json[], key: string, path: string, forInsert: boolean): number {
  if (forInsert && key === '-') return arr.length;
  const index = Number(key);
  const limit = forInsert ? arr.length : arr.length - 1;
  if (!/^\d+$/.test(key) || index > limit)
    throw new JsonPatchError(`Unable to access invalid index: ${key} (path ${path})`, 422);
  return index;
}

function removeAt(root: Json, path: string): Json {
  const { parent, key } = parentOf(root, decodePointer(path), path);
  if (Array.isArray(parent)) {
    const [removed] = parent.splice(arrayIndex(parent, key, path, false), 1);
    return removed ?? null;
  }
  if (isJsonObject(parent) && key in parent) {
    const removed = parent[key] ?? null;
    delete parent[key];
    return removed;
  }
  throw new JsonPatchError(`Unable to remove nonexistent key: ${key}: missing value`, 422);
}

function addAt(root: Json, path: string, value: Json): Json {
  const segments = decodePointer(path);
  if (segments.length === 0) return value;
  const { parent, key } = parentOf(root, segments, path);
  if (Array.isArray(parent)) {
    parent.splice(arrayIndex(parent, key, path, true), 0, value);
  } else if (isJsonObject(parent)) {
    parent[key] = value;
  } else {
    throw new JsonPatchError(`doc is missing path: "${path}"`, 422);
  }
  return root;
}

function readAt(root: Json, path: string): Json {
  let current: Json | undefined = root;
  for (const segment of decodePointer(path)) {
    current = current === undefined ? undefined : getChild(current, segment);
  }
  if (current === undefined) throw new JsonPatchError(`doc is missing path: "${path}"`, 422);
  return current;
}

/** Applies an RFC 6902 JSON patch (add, remove, replace, move, copy, test), returning a new value. */
export function applyJsonPatch(target: Json, operations: Json[]): Json {
  let doc = cloneJson(target);
  for (const op of operations) {
    if (!isJsonObject(op) || typeof op.op !== 'string' || typeof op.path !== 'string') {
      throw new JsonPatchError('json: cannot unmarshal into Go value of type jsonpatch.Operation', 400);
    }
    const value = op.value === undefined ? null : cloneJson(op.value);
    switch (op.op) {
      case 'add':
        doc = addAt(doc, op.path, value);
        break;
      case 'remove':
        removeAt(doc, op.path);
        break;
      case 'replace':
        if (op.path === '') {
          doc = value;
        } else {
          removeAt(doc, op.path);
          doc = addAt(doc, op.path, value);
        }
        break;
      case 'move':
      case 'copy': {
        if (typeof op.from !== 'string') throw new JsonPatchError(`${op.op} operation requires "from"`, 400);
        const moved = op.op === 'move' ? removeAt(doc, op.from) : cloneJson(readAt(doc, op.from));
        doc = addAt(doc, op.path, moved);
        break;
      }
      case 'test':
        if (JSON.stringify(readAt(doc, op.path)) !== JSON.stringify(value)) {
          throw new JsonPatchError(`testing value ${op.path} failed: test failed`, 422);
        }
        break;
      default:
        throw new JsonPatchError(`Unexpected kind: ${op.op}`, 400);
    }
  }
  return doc;
}
