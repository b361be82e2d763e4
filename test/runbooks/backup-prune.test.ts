import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planHash } from '../../src/jobs/plan.js';
import type { RunbookContext } from '../../src/jobs/runbook.js';
import { backupPruneRunbook } from '../../src/jobs/runbooks/backup/backup-prune.js';
import { createWorld, type World } from '../helpers/world.js';
import { paramsOf, runContext, runSteps } from './run-context.js';

const dayMs = 86_400_000;

/** Noon UTC on the Wednesday of the ISO week holding `date`: far from any week, month or day boundary. */
function wednesdayNoon(date: Date): Date {
  const d = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate(), 12));
  d.setUTCDate(d.getUTCDate() + 3 - (d.getUTCDay() || 7));
  return d;
}

describe('backup prune against s3rver objects with back-dated LastModified', () => {
  let world: World;
  let ctx: RunbookContext;
  const expectDeleted: string[] = [];
  const expectKept: string[] = [];
  const outside = 'thermaliq/archive/ancient.sql.gz';

  beforeAll(async () => {
    world = await createWorld();
    ctx = runContext(world, 'r-prune-1');
    const p = world.backupPrefix;
    const now = Date.now();
    const weekAnchor = wednesdayNoon(new Date(now - 50 * dayMs));
    // The month holding "150 days ago": its 5th and 20th are both 90–365 days old, whatever today is.
    const ago150 = new Date(now - 150 * dayMs);
    const monthDay = (day: number) => new Date(Date.UTC(ago150.getUTCFullYear(), ago150.getUTCMonth(), day, 12));
    const objects: [string, Date, 'keep' | 'delete'][] = [
      [`${p}db-daily-1.sql.gz`, new Date(now - 1 * dayMs), 'keep'],
      [`${p}db-daily-10.sql.gz`, new Date(now - 10 * dayMs), 'keep'],
      [`${p}db-daily-29.dump`, new Date(now - 29 * dayMs), 'keep'],
      [`${p}db-weekly-keep.sql.gz`, weekAnchor, 'keep'],
      [`${p}db-weekly-drop.sql.gz`, new Date(weekAnchor.getTime() - 3_600_000), 'delete'],
      [`${p}db-monthly-keep.sql.gz`, monthDay(20), 'keep'],
      [`${p}db-monthly-drop.sql.gz`, monthDay(5), 'delete'],
      [`${p}db-ancient.sql.gz`, new Date(now - 400 * dayMs), 'delete'],
      [`${p}pre-restore/r-new.sql.gz`, new Date(now - 2 * dayMs), 'keep'],
      [`${p}pre-restore/r-old.sql.gz`, new Date(now - 40 * dayMs), 'delete'],
      [`${p}README.txt`, new Date(now - 400 * dayMs), 'keep'],
    ];
    for (const [key, date, fate] of objects) {
      await world.s3.putObject(world.s3.bucket, key, `backup ${key}`);
      await world.s3.setLastModified(world.s3.bucket, key, date);
      (fate === 'keep' ? expectKept : expectDeleted).push(key);
    }
    await world.s3.putObject(world.s3.bucket, outside, 'not ours');
    await world.s3.setLastModified(world.s3.bucket, outside, new Date(now - 500 * dayMs));
    // The world's own fresh backup is a daily one.
    const fresh = (await ctx.infra.backups?.listAll())?.find((o) => /thermaliq-\d+\.sql\.gz$/.test(o.key));
    if (fresh) expectKept.push(fresh.key);
  });
  afterAll(async () => {
    await ctx.infra.close();
    await world.close();
  });

  it('plans exactly the policy: the delete list is the material, and both lists are shown with reasons', async () => {
    const plan = await backupPruneRunbook.plan?.(ctx, paramsOf(backupPruneRunbook, []));
    if (!plan) throw new Error('prune has no plan');
    expect(plan.material).toEqual({
      bucket: 'thermaliq-backups',
      prefix: world.backupPrefix,
      delete: [...expectDeleted].sort(),
    });
    const [deleteSection, keepSection] = plan.details ?? [];
    expect(deleteSection?.title).toBe(`Delete (${expectDeleted.length})`);
    expect(keepSection?.title).toBe(`Keep (${expectKept.length})`);
    const keyOf = (line: string) => line.split(' · ')[0];
    expect(deleteSection?.lines.map(keyOf).sort()).toEqual([...expectDeleted].sort());
    expect(keepSection?.lines.map(keyOf).sort()).toEqual([...expectKept].sort());
    const reasons = Object.fromEntries(
      [...(deleteSection?.lines ?? []), ...(keepSection?.lines ?? [])].map((l) => [keyOf(l), l.split(' · ')[3]]),
    );
    expect(reasons[`${world.backupPrefix}db-weekly-keep.sql.gz`]).toMatch(
      /^weekly: newest of \d{4}-W\d\d, within 90 d$/,
    );
    expect(reasons[`${world.backupPrefix}db-weekly-drop.sql.gz`]).toMatch(/^older than 30 d, not the newest of/);
    expect(reasons[`${world.backupPrefix}db-monthly-keep.sql.gz`]).toMatch(
      /^monthly: newest of \d{4}-\d\d, within 365 d$/,
    );
    expect(reasons[`${world.backupPrefix}db-ancient.sql.gz`]).toBe('older than 365 d');
    expect(reasons[`${world.backupPrefix}pre-restore/r-old.sql.gz`]).toBe('pre-restore copy older than 30 d');
    expect(reasons[`${world.backupPrefix}README.txt`]).toBe('not named like a backup; left alone');
    expect(plan.fields.find((f) => f.label === 'Delete')?.value).toMatch(/^4 objects, \d+ B$/);
    expect(expectDeleted).toHaveLength(4);
    // Shown ages move on; the material does not.
    const again = await backupPruneRunbook.plan?.(ctx, {});
    expect(again && planHash(again)).toBe(planHash(plan));
  });

  it('deletes exactly the planned objects, and reports them', async () => {
    const params = paramsOf(backupPruneRunbook, []);
    const plan = await backupPruneRunbook.plan?.(ctx, params);
    const result = await runSteps(backupPruneRunbook, ctx, params, plan);
    const remaining = ((await ctx.infra.backups?.listAll()) ?? []).map((o) => o.key).sort();
    expect(remaining).toEqual([...expectKept].sort());
    // The object outside the prefix, older than any window, is untouched.
    await world.s3.client.send(new HeadObjectCommand({ Bucket: world.s3.bucket, Key: outside }));
    const report = backupPruneRunbook.report(ctx.target, params, result.outputs);
    expect(report.status).toBe('ok');
    expect(report.headline).toMatch(
      new RegExp(`^Pruned 4 of 4 backups under s3://thermaliq-backups/${world.backupPrefix} \\(\\d+ B\\)$`),
    );
    expect(report.details[0]?.lines.sort()).toEqual([...expectDeleted].sort());
  });

  it('with nothing left to prune, the plan is empty and the step deletes nothing', async () => {
    const plan = await backupPruneRunbook.plan?.(ctx, {});
    expect(plan?.material).toMatchObject({ delete: [] });
    const result = await runSteps(backupPruneRunbook, ctx, {}, plan);
    expect(backupPruneRunbook.report(ctx.target, {}, result.outputs).headline).toBe(
      `Nothing to prune under s3://thermaliq-backups/${world.backupPrefix}`,
    );
  });

  it('extra words are refused', () => {
    expect(backupPruneRunbook.params.safeParse(backupPruneRunbook.parseArgs(['everything'], {})).success).toBe(false);
  });
});
