import type { Readable } from 'node:stream';
import { messageOf } from '../errors.js';
import { DumpScanner } from './pg-dump-scanner.js';
import { classifyDumpLine } from './pg-dump-statements.js';
import { archiveScript } from './pg-tools.js';

/** One object the dump creates, from its table-of-contents comment. */
export interface DumpObject {
  type: string;
  schema: string | null;
  name: string;
}

/** What a backup holds and how it was made, read before anyone approves restoring it. */
export interface DumpInspection {
  format: 'plain' | 'custom';
  gzipped: boolean;
  /** `-- Dumped by pg_dump version`, e.g. "15.20"; null when the dump does not say. */
  pgDumpVersion: string | null;
  /** `-- Dumped from database version`. */
  serverVersion: string | null;
  /** It starts as pg_dump's output does. */
  isPgDump: boolean;
  /** It ends with pg_dump's "dump complete" trailer (a cut-off file does not). */
  complete: boolean;
  /** Made with --clean (drops its objects first), and with --if-exists too. */
  clean: 'no' | 'clean' | 'clean-if-exists';
  /** Made with --create: it creates and connects to a database of its own. */
  createsDatabase: boolean;
  /** The objects it creates (tables, sequences, views, functions, types, schemas, extensions...), bounded. */
  objects: DumpObject[];
  /** More objects than `objects` holds. */
  objectsTruncated: boolean;
  /** Sequences whose values it sets. */
  sequenceValues: number;
  /** Roles it makes owners, and roles it grants to or revokes from. */
  owners: string[];
  grantees: string[];
  /** Bytes of SQL read (the uncompressed size, or pg_restore's script size for archives). */
  sqlBytes: number;
}

const maxObjects = 5_000;
// Types the restore and the plan talk about; the rest (indexes, constraints, comments, ACLs) go with their table.
const objectTypes = new Set([
  'SCHEMA',
  'EXTENSION',
  'TABLE',
  'SEQUENCE',
  'VIEW',
  'MATERIALIZED VIEW',
  'FUNCTION',
  'PROCEDURE',
  'AGGREGATE',
  'TYPE',
  'DOMAIN',
  'FOREIGN TABLE',
]);

/** Collects the facts of a dump script line by line. */
function factCollector() {
  const facts = {
    pgDumpVersion: null as string | null,
    serverVersion: null as string | null,
    isPgDump: false,
    complete: false,
    sawDrop: false,
    dropIfExists: false,
    createsDatabase: false,
    objects: [] as DumpObject[],
    objectsTruncated: false,
    sequenceValues: 0,
    owners: new Set<string>(),
    grantees: new Set<string>(),
  };
  let lines = 0;
  const handle = (line: string, atStart: boolean) => {
    lines += 1;
    if (!atStart) return 'keep' as const;
    const s = classifyDumpLine(line);
    switch (s.kind) {
      case 'start':
        // pg_dump's banner is within its first lines; later, the same words would be data of ours.
        if (lines <= 5) facts.isPgDump = true;
        break;
      case 'complete':
        facts.complete = true;
        break;
      case 'header':
        if (s.field === 'dumped-by') facts.pgDumpVersion = s.version;
        else facts.serverVersion = s.version;
        break;
      case 'toc':
        if (objectTypes.has(s.type) && !line.startsWith('-- Data for')) {
          if (facts.objects.length < maxObjects) facts.objects.push({ type: s.type, schema: s.schema, name: s.name });
          else facts.objectsTruncated = true;
        }
        break;
      case 'drop':
        facts.sawDrop = true;
        if (s.ifExists) facts.dropIfExists = true;
        break;
      case 'owner':
        facts.owners.add(s.role);
        break;
      case 'privileges':
        for (const r of s.roles) facts.grantees.add(r);
        break;
      case 'setval':
        facts.sequenceValues += 1;
        break;
      case 'connect':
        facts.createsDatabase = true;
        break;
      default:
        break;
    }
    return 'keep' as const;
  };
  return { facts, handle };
}

/**
 * Reads a plain SQL dump to its end without keeping it: one pass, memory bounded by a line and the object list.
 * Fails with the stream's error (a gzip that is cut off or corrupt says so here, before anything is touched).
 */
async function scanScript(script: Readable, signal: AbortSignal) {
  const { facts, handle } = factCollector();
  const scanner = new DumpScanner(handle);
  let bytes = 0;
  const ignore = () => {};
  for await (const chunk of script.iterator({ destroyOnReturn: true })) {
    signal.throwIfAborted();
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    bytes += buf.length;
    scanner.push(buf, ignore);
  }
  scanner.end(ignore);
  return { facts, bytes };
}

/**
 * Inspects a backup (an archive through the script pg_restore makes of it, without a database): format, versions, whether it cleans first, what it creates, owners and grants. `script` is the
 * dump from its first byte, decompressed when it was gzipped (see detectBackupFormat). Throws when it cannot be read
 * to its end; a readable file that is not a complete pg_dump says so in the result instead.
 */
export async function inspectDump(
  script: Readable,
  kind: { format: 'plain' | 'custom'; gzipped: boolean },
  signal: AbortSignal,
): Promise<DumpInspection> {
  let scanned: Awaited<ReturnType<typeof scanScript>>;
  try {
    scanned = await scanScript(kind.format === 'custom' ? archiveScript(script, signal) : script, signal);
  } catch (err) {
    if (signal.aborted) throw err;
    throw new Error(messageOf(err));
  }
  const { facts, bytes } = scanned;
  return {
    format: kind.format,
    gzipped: kind.gzipped,
    pgDumpVersion: facts.pgDumpVersion,
    serverVersion: facts.serverVersion,
    isPgDump: facts.isPgDump,
    complete: facts.complete,
    clean: !facts.sawDrop ? 'no' : facts.dropIfExists ? 'clean-if-exists' : 'clean',
    createsDatabase: facts.createsDatabase,
    objects: facts.objects,
    objectsTruncated: facts.objectsTruncated,
    sequenceValues: facts.sequenceValues,
    owners: [...facts.owners].sort(),
    grantees: [...facts.grantees].sort(),
    sqlBytes: bytes,
  };
}

/** The major version of a PostgreSQL version string ("15.20" → 15, "9.6.24" → 9). */
export function majorVersion(version: string | null): number | null {
  const m = /^(\d+)(?:\.(\d+))?/.exec(version ?? '');
  if (!m?.[1]) return null;
  return Number(m[1]);
}
