import { describe, expect, it } from 'vitest';
import { parseOpsConfig } from '../../src/config/ops-config.js';
import { resolveTarget } from '../../src/config/targets.js';
import { parseRunbookArguments } from '../../src/handlers/argument-errors.js';
import { scratchDatabaseName } from '../../src/infra/pg-scratch.js';
import { escapeGlob } from '../../src/infra/redis-scan.js';
import type { Runbook } from '../../src/jobs/runbook.js';
import { backupVerifyRunbook } from '../../src/jobs/runbooks/backup/backup-verify.js';
import { keyGroup, scopedMatch } from '../../src/jobs/runbooks/cache/cache-context.js';
import { cacheSetTtlRunbook } from '../../src/jobs/runbooks/cache/cache-set-ttl.js';
import { cacheTtlAuditRunbook } from '../../src/jobs/runbooks/cache/cache-ttl-audit.js';
import { dataRunbooks } from '../../src/jobs/runbooks/catalog-data.js';
import { dbPartitionsRunbook } from '../../src/jobs/runbooks/db/db-partitions.js';
import { dbVacuumRunbook } from '../../src/jobs/runbooks/db/db-vacuum.js';

/** The outcome of a command's words and flags, as the command handler parses them: params, or the refusal. */
function parse<P>(rb: Runbook<P>, args: string[], flags: Record<string, string | true> = {}) {
  const r = parseRunbookArguments(rb, '/thermaliq', args, flags);
  return r.ok ? { ok: true as const, value: r.params } : { ok: false as const, error: r.message };
}

const target = resolveTarget(
  parseOpsConfig({
    services: { thermaliq: { command: '/thermaliq', displayName: 'THERMALIQ', environments: { production: {} } } },
    roles: {},
    channels: { allowed: ['*'] },
  }),
  'thermaliq',
  undefined,
);

describe('argument grammars of the data runbooks', () => {
  it('a table is table or schema.table of plain identifiers, folded to lowercase; anything else is refused', () => {
    expect(parse(dbVacuumRunbook, ['Energy_Readings'])).toEqual({ ok: true, value: { table: 'energy_readings' } });
    expect(parse(dbVacuumRunbook, ['public.calc$2'])).toEqual({ ok: true, value: { table: 'public.calc$2' } });
    expect(parse(dbVacuumRunbook, [])).toEqual({ ok: true, value: {} });
    for (const bad of [
      'x; DROP TABLE y',
      'a.b.c',
      '"quoted"',
      '1abc',
      'a-b',
      '',
      'a.',
      `${'a'.repeat(64)}`,
      'x--y',
      'tab le',
    ]) {
      const r = parse(dbVacuumRunbook, [bad]);
      expect(r.ok, bad).toBe(false);
      expect(r.ok ? '' : r.error, bad).toMatch(/^<schema\.table> must be a table name, table or schema\.table, /);
    }
    expect(parse(dbVacuumRunbook, ['a', 'b'])).toMatchObject({
      ok: false,
      error: expect.stringContaining('Extra word "b": db vacuum takes only <schema.table>.'),
    });
    expect(parse(dbVacuumRunbook, ['a'], { full: true })).toMatchObject({ ok: false });
  });

  it('stored params parse again to themselves (the worker re-parses them from JSON)', () => {
    const cases: [Runbook<unknown>, string[], Record<string, string | true>][] = [
      [dbVacuumRunbook, ['Public.Readings'], {}],
      [cacheSetTtlRunbook, ['calculation:*', '86400'], {}],
      [cacheTtlAuditRunbook, [], { 'max-keys': '100' }],
      [backupVerifyRunbook, [], { 'restore-test': true }],
      [dbPartitionsRunbook, ['run'], {}],
    ];
    for (const [rb, args, flags] of cases) {
      const first = parse(rb, args, flags);
      expect(first.ok).toBe(true);
      const again = rb.params.safeParse(JSON.parse(JSON.stringify(first.ok ? first.value : null)));
      expect(again.success && again.data).toEqual(first.ok && first.value);
    }
  });

  it('set-ttl takes a pattern with 2 literal characters and whole seconds from 1 to one year', () => {
    expect(parse(cacheSetTtlRunbook, ['calculation:*', '86400'])).toEqual({
      ok: true,
      value: { pattern: 'calculation:*', seconds: 86400, 'max-keys': 100_000 },
    });
    expect(parse(cacheSetTtlRunbook, ['ab*', '31536000']).ok).toBe(true);
    for (const pattern of ['*', '**', 'a*', '*a*', 'a?', 'a[b]', 'a b', 'a\\*', "a'b"]) {
      expect(parse(cacheSetTtlRunbook, [pattern, '60']).ok, pattern).toBe(false);
    }
    for (const seconds of ['-1', '0', '31536001', '1e3', '1.5', '0x10', '', ' 5', '60s', '999999999999999999999']) {
      const r = parse(cacheSetTtlRunbook, ['calculation:*', seconds]);
      expect(r.ok ? '' : r.error, seconds).toContain(
        '<seconds> must be a whole number of seconds from 1 to 31,536,000 (one year)',
      );
    }
  });

  it('ttl-audit allows * and scopes every pattern to the environment prefix, taken literally', () => {
    expect(parse(cacheTtlAuditRunbook, [])).toEqual({ ok: true, value: { pattern: '*', 'max-keys': 50_000 } });
    expect(parse(cacheTtlAuditRunbook, ['a?']).ok).toBe(false);
    expect(scopedMatch('thermaliq:', 'calc:*')).toBe('thermaliq:calc:*');
    expect(scopedMatch('we*ird[1]:', '*')).toBe('we\\*ird\\[1\\]:*');
    expect(escapeGlob('a?b\\c^')).toBe('a\\?b\\\\c\\^');
    expect(keyGroup('thermaliq:calculation:42', 'thermaliq:')).toBe('thermaliq:calculation:');
    expect(keyGroup('thermaliq:plain', 'thermaliq:')).toBe('(no ":" prefix)');
  });

  it('the restore test and partition maintenance change things, so they are change risk', () => {
    const t = target;
    expect(backupVerifyRunbook.riskFor?.(t, { 'restore-test': false })).toBe('read');
    expect(backupVerifyRunbook.riskFor?.(t, { 'restore-test': true })).toBe('change');
    expect(parse(dbPartitionsRunbook, [], { run: true })).toEqual({ ok: true, value: { run: true } });
    expect(dbPartitionsRunbook.riskFor?.(t, { run: true })).toBe('change');
    expect(dbPartitionsRunbook.riskFor?.(t, { run: false })).toBe('read');
  });

  it('scratch database names are safe identifiers of at most 63 characters, stable per run', () => {
    const name = scratchDatabaseName(`${'Very-Long_DB'.repeat(8)}_restore_test`, 'r-0123abcd');
    expect(name).toMatch(/^[a-z0-9_]{1,63}$/);
    expect(name.endsWith('_r_0123abcd')).toBe(true);
    expect(scratchDatabaseName('thermaliq_restore_test', 'r-0123abcd')).toBe('thermaliq_restore_test_r_0123abcd');
  });

  it('registers each command once, with the risks of the issue', () => {
    const risks = Object.fromEntries(dataRunbooks.map((r) => [r.name, r.risk]));
    expect(risks).toEqual({
      backups: 'read',
      'backup verify': 'read',
      'db stats': 'read',
      'db indexes': 'read',
      'db slow-queries': 'read',
      'db settings': 'read',
      'db analyze': 'change',
      'db vacuum': 'change',
      'db reindex': 'change',
      'db vacuum-full': 'destructive',
      'db partitions': 'read',
      'cache stats': 'read',
      'cache ttl-audit': 'read',
      'cache set-ttl': 'change',
      'cache purge': 'change',
    });
    for (const rb of dataRunbooks) {
      expect(rb.risk === 'destructive' ? typeof rb.plan : 'function', rb.name).toBe('function');
      expect(rb.minRole, rb.name).toBe(rb.risk === 'read' ? 'viewer' : 'operator');
    }
  });
});
