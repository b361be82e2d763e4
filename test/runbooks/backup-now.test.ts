import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import type { RunbookContext } from '../../src/jobs/runbook.js';
import { backupNowRunbook } from '../../src/jobs/runbooks/backup/backup-now.js';
import { createWorld, type World } from '../helpers/world.js';
import { paramsOf, runContext, runSteps } from './run-context.js';

describe('backup now', () => {
  let world: World;
  const contexts: RunbookContext[] = [];

  beforeAll(async () => {
    world = await createWorld();
  });
  afterAll(async () => {
    for (const c of contexts) await c.infra.close();
    await world.close();
  });

  it('parses --format and refuses anything else', () => {
    expect(paramsOf(backupNowRunbook, [])).toEqual({ format: 'plain' });
    expect(paramsOf(backupNowRunbook, [], { format: 'custom' })).toEqual({ format: 'custom' });
    const bad = backupNowRunbook.params.safeParse(backupNowRunbook.parseArgs([], { format: 'tar' }));
    expect(bad.success ? '' : bad.error.issues[0]?.message).toBe('expected --format plain or --format custom');
    expect(backupNowRunbook.params.safeParse(backupNowRunbook.parseArgs(['please'], {})).success).toBe(false);
  });

  it('reports the key, size and duration of a streamed, timestamped backup', async () => {
    const ctx = runContext(world, 'r-now-1');
    contexts.push(ctx);
    const before = Date.now();
    const result = await runSteps(backupNowRunbook, ctx, { format: 'plain' });
    const out = result.outputs.dump as { key: string; size: number };
    const stamp = /-(\d{8})-(\d{6})\.sql\.gz$/.exec(out.key);
    expect(out.key.startsWith(`${world.backupPrefix}${world.target.name}-`)).toBe(true);
    const when = Date.parse(
      `${stamp?.[1]?.replace(/(\d{4})(\d\d)(\d\d)/, '$1-$2-$3')}T${stamp?.[2]?.replace(/(\d\d)(\d\d)(\d\d)/, '$1:$2:$3')}Z`,
    );
    expect(when).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect((await ctx.infra.backups?.head(out.key))?.size).toBe(out.size);
    const report = backupNowRunbook.report(ctx.target, { format: 'plain' }, result.outputs);
    expect(report.headline).toMatch(
      new RegExp(
        `^Backed up ${world.target.name} \\(production\\) to s3://thermaliq-backups/${out.key}: [\\d.]+ (B|KiB) in [\\d.]+ m?s$`,
      ),
    );
    expect(report.details[0]?.lines).toContain(`Restore with: /thermaliq restore ${out.key} --env production`);
  });

  it('a failing pg_dump fails the step with its message and stores nothing', async () => {
    const ctx = runContext(world, 'r-now-2', (t) => {
      const url = new URL(world.target.url);
      url.pathname = '/no_such_db_for_backup';
      return { ...t, env: { ...t.env, database: { url: url.toString() } } };
    });
    contexts.push(ctx);
    const before = (await ctx.infra.backups?.listAll())?.map((o) => o.key);
    const err = await runSteps(backupNowRunbook, ctx, { format: 'plain' }).catch((e: unknown) => e);
    // A UserError, so the executor shows it to people as it is.
    expect(err).toBeInstanceOf(UserError);
    expect(String(err)).toMatch(
      /^UserError: Backup of no_such_db_for_backup failed; nothing was stored\. Upload to s3:\/\/thermaliq-backups\/.*no_such_db_for_backup-\d{8}-\d{6}\.sql\.gz failed: pg_dump exited with code 1: .*does not exist/,
    );
    expect((await ctx.infra.backups?.listAll())?.map((o) => o.key)).toEqual(before);
  });
});
