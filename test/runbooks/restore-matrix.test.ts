import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { databaseStates } from '../../src/infra/pg-databases.js';
import { databaseUrl } from '../../src/infra/pg-scratch.js';
import type { RunTarget } from '../../src/jobs/runbook.js';
import { backupNowRunbook } from '../../src/jobs/runbooks/backup/backup-now.js';
import { restoreRunbook } from '../../src/jobs/runbooks/restore/restore.js';
import { restoreMaterial } from '../../src/jobs/runbooks/restore/restore-plan.js';
import { restoreStepTitles } from '../../src/jobs/runbooks/restore/restore-titles.js';
import { dropVcciRoles, guideDumpKinds, makeGuideDump, seedVcciExtras, snapshotVcciExtras } from './guide-dumps.js';
import { damageGuideTables, snapshotGuideTables } from './guide-tables.js';
import { paramsOf, runSteps, sql } from './run-context.js';
import { seededWorldPerTest } from './seeded-world.js';

const scalePath = '/apis/apps/v1/namespaces/gl-009-production/deployments/thermaliq/scale';
const withMode =
  (mode: 'side-by-side' | 'in-place') =>
  (t: RunTarget): RunTarget => ({
    ...t,
    env: {
      ...t.env,
      restore: { verify: [], preRestoreDump: false, keep: { count: 1, days: 7 }, ...t.env.restore, mode },
    },
  });

const bots = { name: 'bot-own', file: '', command: '', described: /plain SQL, gzipped, made with --clean --if-exists/ };

describe('restore matrix: every dump people make, made by the real pg_dump, restored both ways', () => {
  const t = seededWorldPerTest();

  for (const mode of ['side-by-side', 'in-place'] as const) {
    for (const kind of [...guideDumpKinds, bots]) {
      it(`${kind.name}, ${mode}: the data, sequences, schemas and extension equal the dump's; replicas come back`, async () => {
        const url = t.world.target.url;
        const roles = await seedVcciExtras(url, randomBytes(4).toString('hex'));
        const seed = { ...(await snapshotGuideTables(url)), ...(await snapshotVcciExtras(url)) };

        // The backup, made as its users make it; then the roles it names go away, as on a rebuilt server.
        let key: string;
        if (kind === bots) {
          const made = await runSteps(backupNowRunbook, t.context('r-backup'), paramsOf(backupNowRunbook, []));
          key = String((made.outputs.dump as { key: string }).key);
        } else {
          key = `${t.world.backupPrefix}${kind.file}`;
          await t.world.s3.putObject(t.world.s3.bucket, key, await makeGuideDump(url, kind.command));
        }
        await dropVcciRoles(url, roles);

        // Production moves on: data changes, sequences advance, and a table appears that the backup lacks.
        await damageGuideTables(url);
        await sql(
          url,
          `DELETE FROM tenant_acme.emissions WHERE id > 100;
           SELECT nextval('tenant_acme.emissions_id_seq') FROM generate_series(1, 50);
           CREATE TABLE public.audits (id int PRIMARY KEY, what text); INSERT INTO public.audits VALUES (1, 'later');`,
        );
        expect({ ...(await snapshotGuideTables(url)), ...(await snapshotVcciExtras(url)) }).not.toEqual(seed);

        const ctx = t.context('r-matrix');
        Object.assign(ctx, { target: withMode(mode)(ctx.target) });
        const params = paramsOf(restoreRunbook, [key]);
        await restoreRunbook.validate?.(ctx, params);
        const plan = await restoreRunbook.plan?.(ctx, params);
        if (!plan) throw new Error('restore has no plan');
        const m = restoreMaterial.parse(plan.material);
        const fields = Object.fromEntries(plan.fields.map((f) => [f.label, f.value]));
        expect(m.mode).toBe(mode);
        expect(fields.Backup).toMatch(kind.described);
        expect(fields['What it creates']).toContain('tenant_acme.emissions');
        expect(fields['What it creates']).toContain('pg_stat_statements');
        expect(fields['Tables on the target that the backup lacks']).toMatch(
          mode === 'side-by-side'
            ? /^public\.audits: not in the restored database; they stay in the kept/
            : /^public\.audits: kept as they are/,
        );
        if (kind !== bots) {
          // Made with owners and grants; the roles are gone, so the plan says they are skipped.
          expect(fields['Owners and grants']).toContain(
            `Not set (role missing on the target, or not ours to give): ownership by ${roles.owner}`,
          );
          expect(fields['Owners and grants']).toContain(
            `Skipped (role missing on the target): grants to ${roles.reader}`,
          );
        }

        const result = await runSteps(restoreRunbook, ctx, params, plan);
        expect(result.ran).toEqual(restoreStepTitles.map((s) => s.name));

        expect({ ...(await snapshotGuideTables(url)), ...(await snapshotVcciExtras(url)) }).toEqual(seed);
        // The next insert must not collide: the sequence came back with the data.
        await sql(
          url,
          "INSERT INTO tenant_acme.emissions (scope, tco2e) VALUES (1, 1); INSERT INTO calculations (tenant_id, result) VALUES (1, '{}')",
        );

        const audits = await sql<{ present: boolean }>(
          url,
          "SELECT to_regclass('public.audits') IS NOT NULL AS present",
        );
        if (mode === 'side-by-side') {
          // Production's database is kept under the plan's name, with the table the backup lacked, and marked.
          expect(audits[0]?.present).toBe(false);
          const keptAs = m.keepAs ?? '';
          const [kept] = await databaseStates(url, [keptAs], AbortSignal.timeout(10_000));
          expect(kept).toMatchObject({
            exists: true,
            mark: { chatops: 'pre-restore', run: 'r-matrix', production: t.world.target.name },
          });
          expect(await sql(databaseUrl(url, keptAs), 'SELECT what FROM public.audits')).toEqual([{ what: 'later' }]);
        } else {
          expect(audits[0]?.present).toBe(true);
          expect(result.outputs['pre-restore-backup']).toMatchObject({
            key: `${t.world.backupPrefix}pre-restore/r-matrix.sql.gz`,
          });
        }

        // Scaled to 0 once and back to 2, and the pods are ready.
        const scales = t.world.kube.requests.filter((r) => r.method === 'PATCH' && r.path === scalePath);
        expect(scales.map((r) => r.body)).toEqual([{ spec: { replicas: 0 } }, { spec: { replicas: 2 } }]);
        expect(await ctx.infra.kube?.readDeployment()).toMatchObject({ replicas: 2, readyReplicas: 2 });

        const report = restoreRunbook.report(ctx.target, params, result.outputs);
        expect(report.status).toBe('ok');
        expect(report.headline).toContain(key);
      });
    }
  }
});
