import { nounFor } from '../../../format/words.js';
import type { DumpObject } from '../../../infra/pg-dump-inspect.js';
import type { RestoreTargetFacts } from '../../../infra/pg-restore-target.js';
import { formatBytes } from '../../health/checks/format.js';

/** Why a side-by-side restore cannot work on this server for this user and backup (empty: it can). */
export function sideBySideBlockers(facts: RestoreTargetFacts, freeBytes?: number): string[] {
  const out: string[] = [];
  if (!facts.createdb) out.push(`${facts.user} may not create databases (it lacks CREATEDB)`);
  if (!facts.ownsDatabase) out.push(`${facts.user} does not own ${facts.database}, so it cannot rename it`);
  if (freeBytes !== undefined && facts.sizeBytes > freeBytes) {
    out.push(
      `there is not room for a second copy (${facts.database} is ${formatBytes(facts.sizeBytes)}; restore.freeBytes is ${formatBytes(freeBytes)})`,
    );
  }
  if (!facts.superuser) {
    const needs = facts.extensions.filter((e) => e.needsSuperuser).map((e) => e.name);
    if (needs.length > 0)
      out.push(
        `the ${nounFor(needs.length, 'extension')} ${needs.join(', ')} ${nounFor(needs.length, 'needs', 'need')} a superuser to create in a new database`,
      );
  }
  return out;
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** `"schema"."name"`, or `"schema"."f"(integer)` for a routine, whose TOC name carries its argument types. */
function qualified(o: DumpObject): string {
  const paren = o.name.indexOf('(');
  const base = paren === -1 ? o.name : o.name.slice(0, paren);
  const args = paren === -1 ? '' : o.name.slice(paren);
  return `${o.schema ? `${quote(o.schema)}.` : ''}${quote(base)}${args}`;
}

// Dependents before what they depend on: views use tables, tables use sequences, routines and types.
const dropOrder: { type: string; keyword: string }[] = [
  { type: 'MATERIALIZED VIEW', keyword: 'MATERIALIZED VIEW' },
  { type: 'VIEW', keyword: 'VIEW' },
  { type: 'FOREIGN TABLE', keyword: 'FOREIGN TABLE' },
  { type: 'TABLE', keyword: 'TABLE' },
  { type: 'SEQUENCE', keyword: 'SEQUENCE' },
  { type: 'AGGREGATE', keyword: 'AGGREGATE' },
  { type: 'FUNCTION', keyword: 'FUNCTION' },
  { type: 'PROCEDURE', keyword: 'PROCEDURE' },
  { type: 'DOMAIN', keyword: 'DOMAIN' },
  { type: 'TYPE', keyword: 'TYPE' },
];

/**
 * The statements that drop exactly the objects a backup recreates, for an in-place restore: one statement per kind,
 * IF EXISTS, never CASCADE, so an object the backup does not hold is never dropped with them; if one depends on
 * them, the restore fails and its transaction changes nothing. Schemas and extensions are not dropped: the restore
 * creates them only if missing.
 */
export function inPlaceDrops(objects: DumpObject[]): string[] {
  return dropOrder.flatMap(({ type, keyword }) => {
    const names = objects.filter((o) => o.type === type).map(qualified);
    return names.length === 0 ? [] : [`DROP ${keyword} IF EXISTS ${names.join(', ')};`];
  });
}
