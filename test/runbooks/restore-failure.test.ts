import { DeleteBucketCommand, DeleteObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { databaseStates, keptDatabases } from '../../src/infra/pg-databases.js';
import { databaseUrl } from '../../src/infra/pg-scratch.js';
import { NeedsAttention } from '../../src/jobs/report.js';
import type { RunTarget } from '../../src/jobs/runbook.js';
import { restoreRunbook } from '../../src/jobs/runbooks/restore/restore.js';
import { type RestoreMaterial, restoreMaterial } from '../../src/jobs/runbooks/restore/restore-plan.js';
import { restoreRollbackRunbook, restoreScaleUpRunbook } from '../../src/jobs/runbooks/restore/restore-recovery.js';
import { restoreStepTitles } from '../../src/jobs/runbooks/restore/restore-titles.js';
import { guideDumpKinds, makeGuideDump } from './guide-dumps.js';
import { damageGuideTables, snapshotGuideTables } from './guide-tables.js';
import { paramsOf, runSteps, type StepsResult, sql } from './run-context.js';
import { seededWorldPerTest } from './seeded-world.js';

/** The restore's step names, in order, up to and including `last`. */
const stepsUpTo = (last: string) => {
  const names = restoreStepTitles.map((s) => s.name);
  return names.slice(0, names.indexOf(last as (typeof names)[number]) + 1);
};

const scalePath = '/apis/apps/v1/namespaces/gl-009-production/deployments/thermaliq/scale';
const vcci = guideDumpKinds[0];

type Mode = 'side-by-side' | 'in-place';
interface Attempt {
  mode: Mode;
  /** Verification queries (restore.verify). */
  verify?: { name: string; query: string; min: number }[];
  preRestoreDump?: boolean;
  /** Called before each step, with the approved material: the fault is injected here. */
  beforeStep?(step: string, m: RestoreMaterial): void | Promise<void>;
}

describe('restore failures: production is untouched, or put back, and the message says which', () => {
  const t = seededWorldPerTest();

  /**
   * Backs up the seeded database as the VCCI guide's CronJob does, changes production (so its own data is told apart
   * from the backup's), then plans and runs a restore of it with a fault injected; returns how it ended.
   */
  async function attempt(a: Attempt) {
    const url = t.world.target.url;
    const key = `${t.world.backupPrefix}${vcci?.file}`;
    await t.world.s3.putObject(t.world.s3.bucket, key, await makeGuideDump(url, vcci?.command ?? ''));
    await damageGuideTables(url);
    const production = await snapshotGuideTables(url);
    const ctx = t.context('r-fa11000001');
    const adjust = (tg: RunTarget): RunTarget => ({
      ...tg,
      env: {
        ...tg.env,
        restore: {
          verify: a.verify ?? [],
          mode: a.mode,
          preRestoreDump: a.preRestoreDump ?? false,
          keep: { count: 1, days: 7 },
        },
      },
    });
    Object.assign(ctx, { target: adjust(ctx.target) });
    const params = paramsOf(restoreRunbook, [key]);
    const plan = await restoreRunbook.plan?.(ctx, params);
    if (!plan) throw new Error('restore has no plan');
    const m = restoreMaterial.parse(plan.material);
    const result: StepsResult = { outputs: {}, progress: [], ran: [] };
    const error = await runSteps(restoreRunbook, ctx, params, plan, {
      into: result,
      beforeStep: (step) => a.beforeStep?.(step, m),
    }).then(
      () => undefined,
      (err: unknown) => err,
    );
    return { error, result, m, production, ctx, key };
  }

  /** Production's data is what it was, and the deployment is back at its 2 ready replicas. */
  async function expectProductionServing(production: Record<string, string>) {
    expect(await snapshotGuideTables(t.world.target.url)).toEqual(production);
    const d = t.world.kube.deployment(t.world.namespace, 'thermaliq') as { spec: { replicas: number } };
    expect(d.spec.replicas).toBe(2);
    expect(
      (await t.context('r-0c0c0c0c0c').infra.kube?.listPods())?.filter((p) => p.ready && !p.terminating),
    ).toHaveLength(2);
  }
  const scales = () =>
    t.world.kube.requests.filter((r) => r.method === 'PATCH' && r.path === scalePath).map((r) => r.body);
  const userError = (e: unknown) => {
    if (!(e instanceof UserError)) throw new Error(`expected a UserError, got ${String(e)}`);
    return e;
  };

  describe('before the cutover, production is never touched', () => {
    it('restore-side: the backup replaced after approval is not restored; the partial copy is dropped', async () => {
      const { error, result, m, production } = await attempt({
        mode: 'side-by-side',
        beforeStep: async (step) => {
          if (step === 'restore-side') {
            await t.world.s3.putObject(t.world.s3.bucket, `${t.world.backupPrefix}${vcci?.file}`, 'SELECT 1;\n');
          }
        },
      });
      expect(result.ran).toEqual(stepsUpTo('restore-side'));
      const e = userError(error);
      expect(e.message).toMatch(
        /^Restore stopped at step "[^"]+" \(restore-side\): .*was replaced after the plan was made/,
      );
      expect(e.message).toContain('Production was not touched and keeps serving.');
      expect(e.message).toContain(`The unfinished copy ${m.incoming} was dropped.`);
      expect((await databaseStates(t.world.target.url, [m.incoming ?? ''], AbortSignal.timeout(5000)))[0]?.exists).toBe(
        false,
      );
      expect(scales()).toEqual([]);
      await expectProductionServing(production);
    });

    it('restore-side: a check that fails inside the restore\u2019s transaction leaves no copy behind', async () => {
      const { error, result, m, production } = await attempt({
        mode: 'side-by-side',
        verify: [{ name: 'readings', query: 'SELECT count(*) FROM public.energy_readings', min: 1_000_000 }],
      });
      expect(result.ran).toEqual(stepsUpTo('restore-side'));
      const e = userError(error);
      expect(e.message).toMatch(/\(restore-side\): .*verification failed: readings = 2000 \(expected ≥ 1000000\)/);
      expect(e.message).toContain('Production was not touched and keeps serving.');
      expect((await databaseStates(t.world.target.url, [m.incoming ?? ''], AbortSignal.timeout(5000)))[0]?.exists).toBe(
        false,
      );
      expect(scales()).toEqual([]);
      await expectProductionServing(production);
    });

    it('verify-side: the restored copy changed before its checks; nothing is scaled', async () => {
      const { error, result, production } = await attempt({
        mode: 'side-by-side',
        beforeStep: async (step, m) => {
          if (step === 'verify-side')
            await sql(databaseUrl(t.world.target.url, m.incoming ?? ''), 'DROP TABLE calculations');
        },
      });
      expect(result.ran).toEqual(stepsUpTo('verify-side'));
      const e = userError(error);
      expect(e.message).toMatch(
        /\(verify-side\): verification failed: the backup's \d+ tables?: missing: "public"\."calculations"/,
      );
      expect(e.message).toContain('Production was not touched and keeps serving.');
      expect(scales()).toEqual([]);
      await expectProductionServing(production);
    });

    it('pre-restore-backup: S3 gone before the safety dump; nothing scaled', async () => {
      const { error, result, production } = await attempt({
        mode: 'side-by-side',
        preRestoreDump: true,
        beforeStep: async (step) => {
          if (step !== 'pre-restore-backup') return;
          const { client, bucket } = t.world.s3;
          const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
          for (const o of listed.Contents ?? [])
            await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: o.Key }));
          await client.send(new DeleteBucketCommand({ Bucket: bucket }));
        },
      });
      expect(result.ran).toEqual(stepsUpTo('pre-restore-backup'));
      const e = userError(error);
      expect(e.message).toMatch(/\(pre-restore-backup\): .*bucket/i);
      expect(e.message).toContain('Production was not touched and keeps serving.');
      expect(scales()).toEqual([]);
      await expectProductionServing(production);
    });

    it('scale-down refused by the Kubernetes API: the databases stay as they were', async () => {
      const { error, result, m, production } = await attempt({
        mode: 'side-by-side',
        beforeStep: (step) => {
          if (step === 'scale-down') t.world.kube.failWith(/\/scale$/, 403, { method: 'PATCH', message: 'forbidden' });
        },
      });
      expect(result.ran).toEqual(stepsUpTo('scale-down'));
      const e = userError(error);
      expect(e.message).toMatch(/\(scale-down\): Kubernetes API answered 403/);
      expect(e.message).toContain(`${t.world.target.name} was not renamed: it holds production\u2019s own data.`);
      expect(e.message).toContain('The deployment is back at 2 replicas, 2 ready.');
      t.world.kube.clearFaults();
      await expect(restoreScaleUpRunbook.validate?.(t.context('r-05ca1e0002'), {})).rejects.toThrow(
        /no restore left it scaled down/,
      );
      await expectProductionServing(production);
      // The restored copy was not swapped in and is kept for a person to look at or clean up.
      expect((await databaseStates(t.world.target.url, [m.incoming ?? ''], AbortSignal.timeout(5000)))[0]?.exists).toBe(
        true,
      );
    });
  });

  describe('during or after the cutover, it puts things back by itself and says so', () => {
    it('cutover: the kept name is taken; the renames never happen and the replicas come back', async () => {
      const { error, result, production } = await attempt({
        mode: 'side-by-side',
        beforeStep: async (step, m) => {
          if (step === 'cutover')
            await sql(databaseUrl(t.world.target.url, 'postgres'), `CREATE DATABASE "${m.keepAs}"`);
        },
      });
      expect(result.ran).toEqual(stepsUpTo('cutover'));
      const e = userError(error);
      expect(e.message).toMatch(/\(cutover\): .*already exists/);
      expect(e.message).toContain('It put things back by itself.');
      expect(e.message).toContain('The deployment is back at 2 replicas, 2 ready.');
      expect(scales()).toEqual([{ spec: { replicas: 0 } }, { spec: { replicas: 2 } }]);
      await expectProductionServing(production);
    });

    it('verify after the cutover: the renames are reversed, production has its own data and replicas', async () => {
      const { error, result, m, production } = await attempt({
        mode: 'side-by-side',
        // Holds on the copy under its own name, fails once it carries production's name.
        verify: [{ name: 'renamed', query: `SELECT (current_database() <> '${t.world.target.name}')::int`, min: 1 }],
      });
      expect(result.ran).toEqual(stepsUpTo('verify'));
      const e = userError(error);
      expect(e.message).toMatch(/\(verify\): verification failed: renamed = 0/);
      expect(e.message).toContain(
        `The renames were reversed: ${t.world.target.name} holds production\u2019s own data again; the restored copy is kept as ${m.incoming}.`,
      );
      expect(scales()).toEqual([
        { spec: { replicas: 0 } },
        { spec: { replicas: 2 } },
        { spec: { replicas: 0 } },
        { spec: { replicas: 2 } },
      ]);
      await expectProductionServing(production);
    });

    it('in place, the restore itself fails (a newer table references the backup\u2019s): rolled back, replicas back', async () => {
      const { error, result, m, production } = await attempt({
        mode: 'in-place',
        beforeStep: async (step) => {
          if (step === 'cutover') {
            await sql(
              t.world.target.url,
              'CREATE TABLE audits (tenant_id int REFERENCES tenants(id)); INSERT INTO audits VALUES (1)',
            );
          }
        },
      });
      expect(m.drops.join('\n')).toContain(
        'DROP TABLE IF EXISTS "public"."calculations", "public"."energy_readings", "public"."tenants";',
      );
      expect(result.ran).toEqual(stepsUpTo('cutover'));
      const e = userError(error);
      expect(e.message).toMatch(
        /\(cutover\): psql exited with code 3: psql:<stdin>:\d+: ERROR: {2}cannot drop desired object\(s\) because other objects depend on them \| DETAIL: {2}constraint audits_tenant_id_fkey on table audits depends on table tenants/,
      );
      expect(e.message).toContain(
        `${t.world.target.name} was not changed: the restore\u2019s transaction was rolled back.`,
      );
      expect(e.message).toContain('The deployment is back at 2 replicas, 2 ready.');
      await expectProductionServing(production);
    });
  });

  describe('when it cannot put things back, it says where everything stands and offers the ways back', () => {
    it('scale-up keeps failing: state and buttons; Scale back up and Roll back then bring production back', async () => {
      const { error, result, m, production } = await attempt({
        mode: 'side-by-side',
        beforeStep: (step) => {
          if (step === 'scale-up') t.world.kube.failWith(/\/scale$/, 500, { method: 'PATCH' });
        },
      });
      expect(result.ran).toEqual(stepsUpTo('scale-up'));
      if (!(error instanceof NeedsAttention)) throw new Error(`expected NeedsAttention, got ${String(error)}`);
      expect(error.recovery).toEqual(['rollback', 'scale-up']);
      const name = t.world.target.name;
      expect(error.message).toMatch(
        /\(scale-up\): Kubernetes API answered 500.*It could not put things back by itself/s,
      );
      expect(error.message).toContain(
        'Deployment gl-009-production/thermaliq: 0 replicas wanted, 0 ready (was 2 before the restore). It is below the 2 it had before the restore.',
      );
      expect(error.message).toContain(`• ${name} (`);
      expect(error.message).toMatch(new RegExp(`• ${name} \\([^)]+\\): still holds production\u2019s own data`));
      expect(error.message).toContain(`• ${m.incoming}: the restored copy`);
      expect(error.message).toContain('`/thermaliq restore rollback r-fa11000001`');
      expect(error.message).toContain('`/thermaliq restore scale-up`');

      // The Kubernetes API recovers; Scale back up (the button's runbook) restores the 2 replicas from the annotation.
      t.world.kube.clearFaults();
      const up = t.context('r-05ca1e0001');
      await restoreScaleUpRunbook.validate?.(up, {});
      const upResult = await runSteps(restoreScaleUpRunbook, up, {});
      expect(upResult.outputs['scale-up']).toEqual({ from: 0, to: 2, ready: 2, reopened: null });
      await expectProductionServing(production);
      await expect(restoreScaleUpRunbook.validate?.(up, {})).rejects.toThrow(/no restore left it scaled down/);
    });

    it('in place, verify fails after the commit: it cannot undo by itself; Roll back restores the pre-restore dump', async () => {
      const { error, production } = await attempt({
        mode: 'in-place',
        beforeStep: async (step) => {
          if (step === 'verify') await sql(t.world.target.url, 'ALTER TABLE tenants RENAME TO tenants_gone');
        },
      });
      if (!(error instanceof NeedsAttention)) throw new Error(`expected NeedsAttention, got ${String(error)}`);
      expect(error.message).toMatch(/\(verify\): verification failed: .*missing: "public"\."tenants"/);
      expect(error.message).toContain('restored in place in one transaction');
      expect(error.message).toContain(
        `pre-restore dump is s3://thermaliq-backups/${t.world.backupPrefix}pre-restore/r-fa11000001.sql.gz`,
      );
      await sql(t.world.target.url, 'DROP TABLE tenants_gone CASCADE');

      // Roll back: restores the pre-restore dump in place, so production has its data from before the restore.
      const rb = t.context('r-0b0000001');
      const params = paramsOf(restoreRollbackRunbook, ['r-fa11000001']);
      const plan = await restoreRollbackRunbook.plan?.(rb, params);
      expect(restoreMaterial.parse(plan?.material)).toMatchObject({ mode: 'in-place', rollbackOf: 'r-fa11000001' });
      // The pre-restore dump lacks the table the restore brought back; the plan says it stays.
      expect(plan?.fields.find((f) => f.label === 'Tables on the target that the backup lacks')?.value).toBe(
        'public.calculations: kept as they are (the restore drops only what it recreates)',
      );
      await runSteps(restoreRollbackRunbook, rb, params, plan);
      await sql(t.world.target.url, 'DROP TABLE calculations');
      await expectProductionServing(production);
    });
  });

  it('a successful side-by-side restore rolls back with one command: the kept database swaps back', async () => {
    const { error, m, production } = await attempt({ mode: 'side-by-side' });
    expect(error).toBeUndefined();
    expect(await snapshotGuideTables(t.world.target.url)).not.toEqual(production);
    const rb = t.context('r-0b0000002');
    const params = paramsOf(restoreRollbackRunbook, ['r-fa11000001']);
    const plan = await restoreRollbackRunbook.plan?.(rb, params);
    const rm = restoreMaterial.parse(plan?.material);
    expect(rm).toMatchObject({ mode: 'swap-back', incoming: m.keepAs, rollbackOf: 'r-fa11000001' });
    const done = await runSteps(restoreRollbackRunbook, rb, params, plan);
    await expectProductionServing(production);
    const report = restoreRollbackRunbook.report(rb.target, params, done.outputs);
    expect(report.headline).toMatch(
      /^Rolled back restore r-fa11000001 of GL-009 THERMALIQ \(production\); production was down /,
    );
    // The restored data is kept as the rolled-back copy, marked so cleanup can find it.
    const kept = await keptDatabases(t.world.target.url, t.world.target.name, AbortSignal.timeout(5000));
    expect(kept.map((k) => [k.name, k.mark?.chatops])).toEqual([[rm.keepAs, 'rolled-back']]);
    // Nothing is left to roll back for that run a second time.
    await expect(restoreRollbackRunbook.plan?.(t.context('r-0b0000003'), params)).rejects.toThrow(
      /Nothing to roll back for run r-fa11000001/,
    );
  });
});
