/** What one statement line of a pg_dump script is, for the kinds the restore reads or rewrites. */
export type DumpStatement =
  | { kind: 'toc'; name: string; type: string; schema: string | null; owner: string | null }
  | { kind: 'header'; field: 'dumped-from' | 'dumped-by'; version: string }
  | { kind: 'start' }
  | { kind: 'complete' }
  | { kind: 'drop'; ifExists: boolean }
  | { kind: 'owner'; role: string }
  | { kind: 'privileges'; roles: string[] }
  | { kind: 'create-schema'; name: string }
  | { kind: 'create-extension'; name: string }
  | { kind: 'setval' }
  | { kind: 'create' }
  | { kind: 'connect' }
  | { kind: 'other' };

const ident = '(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)';
const tocLine = /^-- (?:Data for )?Name: (.*); Type: (.*); Schema: (.*); Owner: ?(.*)$/;
const headerLine = /^-- Dumped (from database|by pg_dump) version (\S+)/;
const ownerLine = new RegExp(String.raw`^ALTER .* OWNER TO (${ident});\s*$`);
const sessionAuth = /^SET SESSION AUTHORIZATION '((?:[^']|'')+)';\s*$/;
const createSchema = new RegExp(String.raw`^CREATE SCHEMA (${ident});\s*$`);
const createExtension = new RegExp(`^CREATE EXTENSION (?:IF NOT EXISTS )?(${ident})`);
// pg_dump --clean: DROP statements, and the constraint and default drops that come before them.
const cleanLine =
  /^(?:DROP |ALTER TABLE (?:IF EXISTS )?(?:ONLY )?\S+ (?:DROP CONSTRAINT|ALTER COLUMN \S+ DROP DEFAULT))/;
const roleWords = new Set(['public', 'current_user', 'session_user', 'current_role']);

/** An identifier as the catalog spells it: quotes removed (and doubled quotes undone), bare names lower-cased. */
function unquoteIdent(text: string): string {
  return text.startsWith('"') ? text.slice(1, -1).replace(/""/g, '"') : text.toLowerCase();
}

/** The role names in a GRANT ... TO / REVOKE ... FROM / ALTER DEFAULT PRIVILEGES FOR ROLE statement. */
function privilegeRoles(line: string): string[] {
  const roles: string[] = [];
  const forRole = new RegExp(String.raw`FOR ROLE (${ident}(?:\s*,\s*${ident})*)`).exec(line);
  const grantee = new RegExp(
    String.raw`\s(?:TO|FROM) ((?:GROUP )?${ident}(?:\s*,\s*${ident})*)(?: WITH GRANT OPTION| GRANTED BY ${ident}| CASCADE)*;\s*$`,
  ).exec(line);
  const grantedBy = new RegExp(`GRANTED BY (${ident})`).exec(line);
  for (const list of [forRole?.[1], grantee?.[1]?.replace(/^GROUP /, ''), grantedBy?.[1]]) {
    if (!list) continue;
    for (const part of list.match(new RegExp(ident, 'g')) ?? []) {
      const name = unquoteIdent(part);
      if (!roleWords.has(name)) roles.push(name);
    }
  }
  return roles;
}

/** Classifies one line of a dump script that starts a statement (or is a comment between statements). */
export function classifyDumpLine(line: string): DumpStatement {
  if (line.startsWith('--')) {
    const toc = tocLine.exec(line);
    if (toc) {
      const [, name = '', type = '', schema = '-', owner = ''] = toc;
      return {
        kind: 'toc',
        name,
        type,
        schema: schema === '-' ? null : schema,
        owner: owner.trim() === '' || owner.trim() === '-' ? null : owner.trim(),
      };
    }
    const header = headerLine.exec(line);
    if (header) {
      return {
        kind: 'header',
        field: header[1] === 'by pg_dump' ? 'dumped-by' : 'dumped-from',
        version: header[2] ?? '',
      };
    }
    if (line === '-- PostgreSQL database dump') return { kind: 'start' };
    if (line === '-- PostgreSQL database dump complete') return { kind: 'complete' };
    return { kind: 'other' };
  }
  if (line.startsWith('\\connect') || line.startsWith('\\c ') || /^CREATE DATABASE /.test(line)) {
    return { kind: 'connect' };
  }
  if (cleanLine.test(line)) return { kind: 'drop', ifExists: / IF EXISTS /.test(line) };
  const owner = ownerLine.exec(line);
  if (owner?.[1]) return { kind: 'owner', role: unquoteIdent(owner[1]) };
  const auth = sessionAuth.exec(line);
  if (auth?.[1]) return { kind: 'owner', role: auth[1].replace(/''/g, "'") };
  if (/^(?:GRANT|REVOKE|ALTER DEFAULT PRIVILEGES) /.test(line))
    return { kind: 'privileges', roles: privilegeRoles(line) };
  const schema = createSchema.exec(line);
  if (schema?.[1]) return { kind: 'create-schema', name: unquoteIdent(schema[1]) };
  const extension = createExtension.exec(line);
  if (extension?.[1]) return { kind: 'create-extension', name: unquoteIdent(extension[1]) };
  if (line.startsWith('SELECT pg_catalog.setval(')) return { kind: 'setval' };
  if (line.startsWith('CREATE ')) return { kind: 'create' };
  return { kind: 'other' };
}
