import { describe, expect, it } from 'vitest';
import { keptDatabases } from '../../src/infra/pg-databases.js';
import type { RunTarget } from '../../src/jobs/runbook.js';
import { restoreRunbook } from '../../src/jobs/runbooks/restore/restore.js';
import { restoreCleanupRunbook, restoreDatabasesRunbook } from '../../src/jobs/runbooks/restore/restore-kept.js';
import { restoreRollbackRunbook } from '../../src/jobs/runbooks/restore/restore-recovery.js';
import { guideDumpKinds, makeGuideDump } from './guide-dumps.js';
import { paramsOf, runSteps } from './run-context.js';
import { seededWorldPerTest } from './seeded-world.js';

const keepOne = (t: RunTarget): RunTarget => ({
  ...t,
  env: { ...t.env, restore: { verify: [], mode: 'auto', preRestoreDump: false, keep: { count: 1, days: 0 } } },
});

describe('restore databases and restore cleanup: the kept pre-restore databases, listed and dropped by retention', () => {
  const t = seededWorldPerTest();

  it('lists both kept databases, and cleanup drops exactly the older one', async () => {
    const key = `${t.world.backupPrefix}${guideDumpKinds[0]?.file}`;
    await t.world.s3.putObject(
      t.world.s3.bucket,
      key,
      await makeGuideDump(t.world.target.url, guideDumpKinds[0]?.command ?? ''),
    );
    const params = paramsOf(restoreRunbook, [key]);
    for (const run of ['r-0000000a01', 'r-0000000a02']) {
      const ctx = t.context(run);
      Object.assign(ctx, { target: keepOne(ctx.target) });
      await runSteps(restoreRunbook, ctx, params, await restoreRunbook.plan?.(ctx, params));
    }
    const name = t.world.target.name;

    const list = t.context('r-0000000b01');
    Object.assign(list, { target: keepOne(list.target) });
    const listed = await runSteps(restoreDatabasesRunbook, list, {});
    const report = restoreDatabasesRunbook.report(list.target, {}, listed.outputs);
    expect(report.headline).toMatch(
      new RegExp(`^2 databases kept beside ${name} on 127\\.0\\.0\\.1:5432, [\\d.]+ MiB; cleanup would drop 1$`),
    );
    const lines = report.details[0]?.lines ?? [];
    expect(lines[0]).toMatch(
      new RegExp(
        `^${name}_pre_r_0000000a02 · [\\d.]+ MiB · (just now|.* old) · production before restore r-0000000a02 · kept \\(one of the 1 newest\\)$`,
      ),
    );
    expect(lines[1]).toMatch(
      new RegExp(`^${name}_pre_r_0000000a01 · .* · cleanup drops it \\(older than 0 d and not one of the 1 newest\\)$`),
    );
    expect(report.details[1]?.lines).toContain('/thermaliq restore rollback r-0000000a01 --env production');

    const clean = t.context('r-0000000c01');
    Object.assign(clean, { target: keepOne(clean.target) });
    const plan = await restoreCleanupRunbook.plan?.(clean, {});
    expect(plan?.material).toEqual({
      host: '127.0.0.1:5432',
      production: name,
      drop: [{ name: `${name}_pre_r_0000000a01`, run: 'r-0000000a01', kind: 'pre-restore' }],
    });
    const done = await runSteps(restoreCleanupRunbook, clean, {}, plan);
    expect(done.outputs.drop).toEqual({ dropped: [`${name}_pre_r_0000000a01`], skipped: [] });
    const left = await keptDatabases(t.world.target.url, name, AbortSignal.timeout(5000));
    expect(left.map((d) => d.name)).toEqual([`${name}_pre_r_0000000a02`]);
    // The dropped one's restore can no longer be swapped back, and says so; the kept one still can.
    await expect(restoreRollbackRunbook.plan?.(t.context('r-0000000d01'), { run: 'r-0000000a01' })).rejects.toThrow(
      /Nothing to roll back for run r-0000000a01/,
    );
    expect(
      (await restoreRollbackRunbook.plan?.(t.context('r-0000000d02'), { run: 'r-0000000a02' }))?.material,
    ).toMatchObject({
      mode: 'swap-back',
      incoming: `${name}_pre_r_0000000a02`,
    });
    // A second cleanup with the same approved plan finds nothing left to drop.
    expect((await runSteps(restoreCleanupRunbook, clean, {}, plan)).outputs.drop).toEqual({
      dropped: [],
      skipped: [{ name: `${name}_pre_r_0000000a01`, why: 'already gone' }],
    });
  });
});
