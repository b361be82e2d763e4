import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { backupNowRunbook } from '../../src/jobs/runbooks/backup-now.js';
import { restoreRunbook } from '../../src/jobs/runbooks/restore.js';
import { damageGuideTables, snapshotGuideTables } from './guide-tables.js';
import { paramsOf, runSteps, type StepsResult, sql } from './run-context.js';
import { seededWorldPerTest } from './seeded-world.js';

const scalePath = '/apis/apps/v1/namespaces/gl-009-production/deployments/thermaliq/scale';

describe('restore failures stop with the step, the pre-restore key and the rollback command', () => {
  const t = seededWorldPerTest();

  /** A real gzipped plain dump of the seeded database. */
  async function realBackup(): Promise<Buffer> {
    const made = await runSteps(backupNowRunbook, t.context('r-backup'), paramsOf(backupNowRunbook, []));
    return t.objectBytes(String((made.outputs.dump as { key: string }).key));
  }

  /** Uploads `body` as `name`, then runs a restore of it through plan and steps; returns the failure. */
  async function failedRestore(
    name: string,
    body: Buffer | string,
    beforeSteps?: () => Promise<void>,
    beforeStep?: (step: string) => void,
  ) {
    const key = `${t.world.backupPrefix}${name}`;
    await t.world.s3.putObject(t.world.s3.bucket, key, body);
    const ctx = t.context('r-restore-9');
    const params = paramsOf(restoreRunbook, [name]);
    const plan = await restoreRunbook.plan?.(ctx, params);
    await beforeSteps?.();
    const result: StepsResult = { outputs: {}, progress: [], ran: [] };
    const error = await runSteps(restoreRunbook, ctx, params, plan, { into: result, beforeStep }).then(
      () => undefined,
      (err: unknown) => err,
    );
    if (!(error instanceof UserError)) throw new Error(`expected a UserError, got ${String(error)}`);
    return { error, result, preKey: `${t.world.backupPrefix}pre-restore/r-restore-9.sql.gz` };
  }

  function expectStoppedAt0() {
    const scales = t.world.kube.requests.filter((r) => r.method === 'PATCH' && r.path === scalePath);
    expect(scales.map((r) => r.body)).toEqual([{ spec: { replicas: 0 } }]);
  }

  it('a truncated backup: the restore step fails, and the database keeps its pre-restore state', async () => {
    const good = await realBackup();
    await damageGuideTables(t.world.target.url);
    const damaged = await snapshotGuideTables(t.world.target.url);

    // Cut the gzip stream well after the point where its COPY data begins, so psql had already run statements.
    const { error, result, preKey } = await failedRestore(
      'broken.sql.gz',
      good.subarray(0, Math.floor(good.length * 0.8)),
    );

    expect(result.ran).toEqual(['scale-down', 'pre-restore-backup', 'restore']);
    expect(error.message).toMatch(/^Restore stopped: step "Restore" \(restore\) failed: .*unexpected end of file/);
    expect(error.message).toContain(`Pre-restore backup: s3://thermaliq-backups/${preKey}.`);
    expect(error.message).toContain(`To roll back: \`/thermaliq restore ${preKey} --env production\``);
    expect(error.message).toContain('The deployment stays at 0 replicas (was 2)');
    // psql was killed before it could see end-of-input and commit: nothing of the half-read dump remains.
    expect(await snapshotGuideTables(t.world.target.url)).toEqual(damaged);
    expect(gunzipSync(await t.objectBytes(preKey)).toString('utf8')).toContain('overwritten');
    expectStoppedAt0();
  });

  it('a corrupt backup (gzip magic, then garbage) is refused before anything is restored', async () => {
    await damageGuideTables(t.world.target.url);
    const damaged = await snapshotGuideTables(t.world.target.url);
    const corrupt = Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.from('this is not deflate data at all')]);
    const { error, preKey } = await failedRestore('corrupt.sql.gz', corrupt);
    expect(error.message).toMatch(/step "Restore" \(restore\) failed: .*corrupt\.sql\.gz is not a readable backup \(/);
    expect(error.message).toContain(`/thermaliq restore ${preKey} --env production`);
    expect(await snapshotGuideTables(t.world.target.url)).toEqual(damaged);
    expectStoppedAt0();
  });

  it('SQL that fails part-way: psql stops at the first error, names it, and nothing is committed', async () => {
    const before = await snapshotGuideTables(t.world.target.url);
    const sqlText = 'DROP TABLE calculations;\nUPDATE tenants SET name = $$x$$;\nSELEC broken;\n';
    const { error } = await failedRestore('bad.sql', sqlText);
    expect(error.message).toMatch(/psql exited with code 3: .*syntax error at or near "SELEC"/);
    expect(await snapshotGuideTables(t.world.target.url)).toEqual(before);
  });

  it('a restore that fails verification names the query and its value', async () => {
    const emptyTenants = gzipSync(
      'DROP TABLE IF EXISTS calculations, energy_readings, tenants;\nCREATE TABLE tenants (id int);\n',
    );
    const { error, result, preKey } = await failedRestore('empty.sql.gz', emptyTenants);
    expect(result.ran).toEqual(['scale-down', 'pre-restore-backup', 'restore', 'verify']);
    expect(error.message).toMatch(
      /^Restore stopped: step "Verify" \(verify\) failed: verification failed: tenants = 0 \(expected ≥ 1\)/,
    );
    expect(error.message).toContain('The restored database failed verification.');
    expect(error.message).toContain(`/thermaliq restore ${preKey} --env production`);
    expectStoppedAt0();
  });

  it('a backup replaced after the plan was approved is not restored', async () => {
    const before = await snapshotGuideTables(t.world.target.url);
    const { error } = await failedRestore('replaced.sql', 'SELECT 1;\n', () =>
      t.world.s3.putObject(t.world.s3.bucket, `${t.world.backupPrefix}replaced.sql`, 'DROP TABLE tenants CASCADE;\n'),
    );
    expect(error.message).toMatch(
      /step "Restore" \(restore\) failed: .*replaced\.sql was replaced after the plan was made/,
    );
    expect(await snapshotGuideTables(t.world.target.url)).toEqual(before);
  });

  it('the Kubernetes API refusing the scale-down: nothing was changed, and it says so', async () => {
    t.world.kube.failWith(/\/scale$/, 403, { message: 'deployments.apps "thermaliq" is forbidden' });
    const { error, result, preKey } = await failedRestore('any.sql', 'SELECT 1;\n');
    expect(result.ran).toEqual(['scale-down']);
    expect(error.message).toMatch(
      /^Restore stopped: step "Scale down" \(scale-down\) failed: Kubernetes API answered 403/,
    );
    expect(error.message).toContain(`The database was not changed and no pre-restore backup was taken`);
    expect(error.message).toContain(preKey);
    expect(t.world.kube.deployment(t.world.namespace, 'thermaliq')).toMatchObject({ spec: { replicas: 2 } });
  });

  it('a failed scale-up after a good restore says the data is restored and how to scale back', async () => {
    const good = await realBackup();
    const { error, result, preKey } = await failedRestore('good.sql.gz', good, undefined, (step) => {
      if (step === 'scale-up') t.world.kube.failWith(/\/scale$/, 500, { method: 'PATCH' });
    });
    expect(result.ran).toEqual(['scale-down', 'pre-restore-backup', 'restore', 'verify', 'scale-up']);
    expect(error.message).toMatch(/^Restore stopped: step "Scale up" \(scale-up\) failed: Kubernetes API answered 500/);
    expect(error.message).toContain('The database was restored and verified.');
    expect(error.message).toContain(`To roll back: \`/thermaliq restore ${preKey} --env production\``);
    expect(error.message).toContain('kubectl -n gl-009-production scale deployment/thermaliq --replicas=2');
  });

  it('a table created after the backup that references a table in it: the restore fails safely and names it', async () => {
    const good = await realBackup();
    await sql(
      t.world.target.url,
      'CREATE TABLE audits (tenant_id int REFERENCES tenants(id)); INSERT INTO audits VALUES (1)',
    );
    const before = await snapshotGuideTables(t.world.target.url);
    const { error } = await failedRestore('good.sql.gz', good);
    // pg_dump --clean drops only what the dump holds; psql's DETAIL names the object in the way.
    expect(error.message).toMatch(
      /psql exited with code 3: .*cannot drop constraint tenants_pkey .*audits_tenant_id_fkey on table public\.audits/,
    );
    expect(await snapshotGuideTables(t.world.target.url)).toEqual(before);
  });
});
