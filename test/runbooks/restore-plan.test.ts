import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { planChanges, planHash } from '../../src/jobs/plan.js';
import type { RunbookContext, RunTarget } from '../../src/jobs/runbook.js';
import { restoreRunbook } from '../../src/jobs/runbooks/restore/restore.js';
import { restoreMaterial } from '../../src/jobs/runbooks/restore/restore-plan.js';
import { createWorld, type World } from '../helpers/world.js';
import { guideDumpKinds, makeGuideDump } from './guide-dumps.js';
import { seedGuideTables } from './guide-tables.js';
import { paramsOf, runContext, sql } from './run-context.js';

const restoreCfg =
  (over: Partial<NonNullable<RunTarget['env']['restore']>>) =>
  (t: RunTarget): RunTarget => ({
    ...t,
    env: {
      ...t.env,
      restore: {
        verify: [],
        mode: 'auto',
        preRestoreDump: false,
        keep: { count: 1, days: 7 },
        ...t.env.restore,
        ...over,
      },
    },
  });

describe('restore plan: it looks inside the backup before anyone approves', () => {
  let world: World;
  const contexts: RunbookContext[] = [];
  let vcci: Buffer;
  const vcciKey = () => `${world.backupPrefix}vcci-backup-20261201-020000.sql.gz`;

  beforeAll(async () => {
    world = await createWorld();
    await seedGuideTables(world.target.url);
    vcci = await makeGuideDump(world.target.url, guideDumpKinds[0]?.command ?? '');
    await world.s3.putObject(world.s3.bucket, vcciKey(), vcci);
  });
  afterAll(async () => {
    for (const c of contexts) await c.infra.close();
    await world.close();
  });

  const context = (adjust?: (t: RunTarget) => RunTarget) => {
    const c = runContext(world, 'r-0123456789', adjust);
    contexts.push(c);
    return c;
  };
  const planFor = async (key: string, adjust?: (t: RunTarget) => RunTarget) => {
    const plan = await restoreRunbook.plan?.(context(adjust), paramsOf(restoreRunbook, [key]));
    if (!plan) throw new Error('restore has no plan');
    return plan;
  };
  const fieldsOf = (plan: Awaited<ReturnType<typeof planFor>>) =>
    Object.fromEntries(plan.fields.map((f) => [f.label, f.value]));

  it('side by side by default: what the backup holds, where it goes, the downtime, the safety copy and the way back', async () => {
    const plan = await planFor(vcciKey());
    const f = fieldsOf(plan);
    const name = world.target.name;
    expect(f.Backup).toMatch(new RegExp(`^s3://thermaliq-backups/${vcciKey()} · [\\d.]+ KiB · `));
    expect(f.Backup).toMatch(/\nplain SQL, gzipped, made without --clean by pg_dump 15\.\d+ from PostgreSQL 15\.\d+/);
    expect(f['What it creates']).toMatch(/^3 tables: public\.calculations, public\.energy_readings, public\.tenants\n/);
    expect(f['What it creates']).toContain('1 sequence (1 value restored)');
    expect(f['Target database']).toMatch(
      new RegExp(`^${name} on 127\\.0\\.0\\.1:5432 · [\\d.]+ MiB · PostgreSQL 15\\.\\d+.* · as postgres$`),
    );
    expect(f.Mode).toMatch(/^Side by side: .*production is down only for the cutover$/);
    expect(f['Tables on the target that the backup lacks']).toBe('none');
    expect(f.Deployment).toBe('gl-009-production/thermaliq · 2 replicas now → 0 during the cutover → 2');
    expect(f['Safety copy']).toBe(`Production's database is kept, renamed to ${name}_pre_r_0123456789`);
    expect(f.Verification).toBe('All 3 tables of the backup exist\ntenants: SELECT count(*) FROM public.tenants ≥ 1');
    expect(f['Roll back with']).toBe(
      '/thermaliq restore rollback r-0123456789 --env production (or the Roll back button)',
    );
    expect(plan.steps).toHaveLength(6);
    expect(plan.steps[0]).toMatch(
      new RegExp(
        `^Create ${name}_restore_r_0123456789 and restore the backup into it .*made without --clean\\), while production keeps serving$`,
      ),
    );
    expect(plan.steps[3]).toMatch(/^Cutover: end the remaining sessions on /);
    expect(restoreMaterial.parse(plan.material)).toMatchObject({
      mode: 'side-by-side',
      backup: { key: vcciKey(), format: 'plain', gzipped: true, etag: expect.stringMatching(/^[0-9a-f]{32}$/) },
      database: { host: '127.0.0.1', port: '5432', name },
      incoming: `${name}_restore_r_0123456789`,
      keepAs: `${name}_pre_r_0123456789`,
      deployment: { namespace: 'gl-009-production', name: 'thermaliq', replicas: 2 },
      tables: ['public.calculations', 'public.energy_readings', 'public.tenants'],
      drops: [],
      preRestoreKey: null,
    });
  });

  it('in place where side by side cannot work (no room for a second copy): says why and lists what it drops first', async () => {
    const plan = await planFor(vcciKey(), restoreCfg({ freeBytes: 1024 }));
    const f = fieldsOf(plan);
    expect(f.Mode).toMatch(
      /^In place, because there is not room for a second copy \(.* restore\.freeBytes is 1 KiB\): production is down for the whole restore$/,
    );
    expect(f.Deployment).toBe('gl-009-production/thermaliq · 2 replicas now → 0 during the restore → 2');
    expect(f['Safety copy']).toBe(
      `pg_dump of production to s3://thermaliq-backups/${world.backupPrefix}pre-restore/r-0123456789.sql.gz`,
    );
    expect(plan.details).toEqual([
      {
        title: 'Dropped first, in the restore\u2019s transaction',
        lines: [
          'DROP TABLE IF EXISTS "public"."calculations", "public"."energy_readings", "public"."tenants";',
          'DROP SEQUENCE IF EXISTS "public"."calculations_id_seq";',
        ],
      },
    ]);
    expect(plan.steps).toHaveLength(5);
  });

  it('refuses side by side when configured so but impossible, before anything is touched', async () => {
    await expect(planFor(vcciKey(), restoreCfg({ mode: 'side-by-side', freeBytes: 1024 }))).rejects.toThrow(
      /^restore\.mode is side-by-side, but there is not room for a second copy .*Nothing was changed\.$/,
    );
  });

  describe('a backup that cannot be restored as it stands is refused at plan time; nothing scaled, nothing created', () => {
    const refused: { name: string; body: () => Buffer; reason: RegExp }[] = [
      {
        name: 'from-newer-pg_dump.sql.gz',
        body: () => gzipSync(Buffer.from(vcciText().replace(/pg_dump version 15\.\d+/, 'pg_dump version 17.4'))),
        reason: /made by pg_dump 17\.4, newer than the bot’s psql and pg_restore \(15\)/,
      },
      {
        name: 'truncated.sql.gz',
        body: () => vcci.subarray(0, Math.floor(vcci.length * 0.6)),
        reason: /cannot be read to its end \(.*unexpected end of file/,
      },
      {
        name: 'cut-off.sql',
        body: () => Buffer.from(vcciText().slice(0, Math.floor(vcciText().length * 0.7))),
        reason: /it is cut off: it ends before pg_dump’s "dump complete" line/,
      },
      {
        name: 'corrupt.sql.gz',
        body: () => Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.from('this is not deflate data at all')]),
        reason: /cannot be read to its end/,
      },
      {
        name: 'notes.sql',
        body: () => Buffer.from('-- my notes\nSELECT 1;\n'),
        reason: /it is not a pg_dump backup \(it does not start with pg_dump’s header\)/,
      },
      {
        name: 'with-create.sql',
        body: () =>
          Buffer.from(
            vcciText().replace(
              'SET statement_timeout = 0;',
              'CREATE DATABASE vcci_production;\n\\connect vcci_production\nSET statement_timeout = 0;',
            ),
          ),
        reason: /made with pg_dump --create/,
      },
    ];
    const vcciText = () => gunzipSync(vcci).toString('utf8');

    for (const r of refused) {
      it(r.name, async () => {
        const key = `${world.backupPrefix}${r.name}`;
        await world.s3.putObject(world.s3.bucket, key, r.body());
        const before = world.kube.requests.length;
        const err = await planFor(key).catch((e: unknown) => e);
        if (!(err instanceof UserError)) throw new Error(`expected a refusal, got ${String(err)}`);
        expect(err.message).toMatch(r.reason);
        expect(err.message).toMatch(/Nothing was changed\.$/);
        expect(world.kube.requests.slice(before).filter((q) => q.method !== 'GET')).toEqual([]);
        const made = await sql(
          world.target.url,
          `SELECT datname FROM pg_database WHERE starts_with(datname, '${world.target.name}_')`,
        );
        expect(made).toEqual([]);
      });
    }
  });
});

describe('restore plan material', () => {
  let world: World;
  const contexts: RunbookContext[] = [];
  let key: string;

  beforeAll(async () => {
    world = await createWorld();
    await seedGuideTables(world.target.url);
    key = `${world.backupPrefix}thermaliq-20260101-020000.sql.gz`;
    await world.s3.putObject(
      world.s3.bucket,
      key,
      await makeGuideDump(world.target.url, guideDumpKinds[0]?.command ?? ''),
    );
  });
  afterAll(async () => {
    for (const c of contexts) await c.infra.close();
    await world.close();
  });

  const planFor = async (adjust?: (t: RunTarget) => RunTarget) => {
    const c = runContext(world, 'r-0a0a0a0a0a', adjust);
    contexts.push(c);
    const plan = await restoreRunbook.plan?.(c, paramsOf(restoreRunbook, [key]));
    if (!plan) throw new Error('restore has no plan');
    return plan;
  };

  it('is stable while nothing material changes, even as the database grows and time passes', async () => {
    const before = await planFor();
    await sql(
      world.target.url,
      'INSERT INTO energy_readings SELECT 100000 + i, 1, now(), 1 FROM generate_series(1, 5000) i',
    );
    const after = await planFor();
    expect(after.fields.find((f) => f.label === 'Target database')?.value).not.toBe(
      before.fields.find((f) => f.label === 'Target database')?.value,
    );
    expect(planHash(after)).toBe(planHash(before));
  });

  it('changes when a newer upload replaces the backup under the same key', async () => {
    const before = await planFor();
    await world.s3.putObject(
      world.s3.bucket,
      key,
      await makeGuideDump(world.target.url, guideDumpKinds[0]?.command ?? ''),
    );
    const after = await planFor();
    expect(planHash(after)).not.toBe(planHash(before));
    expect(planChanges(before, after)).toEqual([expect.stringMatching(/^backup: .*"etag".* → /)]);
  });

  it('changes when the deployment was scaled since', async () => {
    const before = await planFor();
    const c = contexts[0];
    await c?.infra.kube?.scaleDeployment(3);
    const after = await planFor();
    expect(planChanges(before, after)).toEqual([
      expect.stringMatching(/^deployment: .*"replicas":2.* → .*"replicas":3/),
    ]);
    await c?.infra.kube?.scaleDeployment(2);
  });

  it('changes when the verification queries or the mode change', async () => {
    const before = await planFor();
    const verify = [{ name: 'readings', query: 'SELECT count(*) FROM energy_readings', min: 1000 }];
    expect(planChanges(before, await planFor(restoreCfg({ verify })))).toEqual([expect.stringMatching(/^verify: /)]);
    const inPlace = planChanges(before, await planFor(restoreCfg({ mode: 'in-place' })));
    expect(inPlace).toEqual(expect.arrayContaining([expect.stringMatching(/^mode: "side-by-side" → "in-place"/)]));
  });
});
