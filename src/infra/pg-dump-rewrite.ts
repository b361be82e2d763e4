import { Transform, type TransformCallback } from 'node:stream';
import { DumpScanner, type LineVerdict } from './pg-dump-scanner.js';
import { classifyDumpLine } from './pg-dump-statements.js';

/** How a dump script is adjusted on its way to psql. */
export interface DumpRewrite {
  /** Leave out the dump's own --clean section (the restore drops exactly what it recreates itself, or nothing). */
  stripClean: boolean;
  /** Roles that cannot own objects on the target (missing, or not ours to give): their OWNER TO lines are left out. */
  skipOwners: readonly string[];
  /** Roles missing on the target: GRANT/REVOKE lines naming them are left out. */
  skipGrantees: readonly string[];
  /** `CREATE SCHEMA x` becomes `CREATE SCHEMA IF NOT EXISTS x` (in place, the schema may hold other objects). */
  schemasIfNotExists: boolean;
}

/** The line handler that applies a rewrite; exported for the plan, which counts what it would leave out. */
export function rewriteHandler(rw: DumpRewrite): (line: string, atStart: boolean) => LineVerdict {
  const owners = new Set(rw.skipOwners);
  const grantees = new Set(rw.skipGrantees);
  let created = false;
  return (line, atStart) => {
    if (!atStart || line === '' || line.startsWith('--')) return 'keep';
    const s = classifyDumpLine(line);
    switch (s.kind) {
      case 'drop':
        // Only the clean section, before the first CREATE: a DROP later in a script is not pg_dump's --clean.
        return rw.stripClean && !created ? 'drop' : 'keep';
      case 'owner':
        return owners.has(s.role) ? 'drop' : 'keep';
      case 'privileges':
        return s.roles.some((r) => grantees.has(r)) ? 'drop' : 'keep';
      case 'create-schema':
        created = true;
        return rw.schemasIfNotExists
          ? { replace: line.replace(/^CREATE SCHEMA /, 'CREATE SCHEMA IF NOT EXISTS ') }
          : 'keep';
      case 'create':
      case 'create-extension':
        created = true;
        return 'keep';
      default:
        return 'keep';
    }
  };
}

/** A stream that applies a rewrite to a plain SQL dump; COPY data passes through untouched. */
export function rewriteDump(rw: DumpRewrite): Transform {
  const scanner = new DumpScanner(rewriteHandler(rw));
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      scanner.push(chunk, (out) => this.push(out));
      done();
    },
    flush(done: TransformCallback) {
      scanner.end((out) => this.push(out));
      done();
    },
  });
}
