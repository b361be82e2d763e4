import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseUrl } from '../../src/infra/pg-scratch.js';
import { spawnWorker, type WorkerProcess } from '../helpers/spawn-worker.js';
import { type Bot, createWorld, people, production, runIdOf, startBot, type World } from '../helpers/world.js';
import { guideDumpKinds, makeGuideDump } from '../runbooks/guide-dumps.js';
import { damageGuideTables, seedGuideTables, snapshotGuideTables } from '../runbooks/guide-tables.js';
import { sql } from '../runbooks/run-context.js';
import { waitUntil } from '../support/services.js';

/** Waits until the world's deployment is back at its 2 ready replicas. */
function backAtTwoReplicas(world: World): Promise<unknown> {
  return waitUntil(
    async () =>
      (world.kube.deployment(world.namespace, 'thermaliq') as { status?: { readyReplicas?: number } })?.status
        ?.readyReplicas === 2,
    { timeoutMs: 30_000, description: 'the deployment back at 2 ready replicas' },
  );
}

/** The run message's prompt for a person after an interrupted step (it carries the Retry step button). */
function interruptedPrompt(world: World, runId: string) {
  return world.slack.waitFor(
    (c) =>
      c.method === 'chat.update' &&
      JSON.stringify(c.body).includes('run_retry_step') &&
      JSON.stringify(c.body).includes(runId),
  );
}

const fastLocks = { WORKER_LOCK_DURATION_MS: '2000', WORKER_STALLED_INTERVAL_MS: '500' };

describe('a worker killed in the middle of a restore (in place, so the cutover is the long restore itself)', () => {
  let world: World;
  let bot: Bot;
  let doomed: WorkerProcess | undefined;
  let takeover: Bot | undefined;
  let key: string;
  let before: Record<string, string>;
  beforeAll(async () => {
    world = await createWorld((cfg) => {
      production(cfg).restore = { verify: [], mode: 'in-place', preRestoreDump: false, keep: { count: 1, days: 7 } };
    });
    await seedGuideTables(world.target.url);
    // A check constraint that takes a while per row: a real pg_dump whose restore takes ~10 s.
    await sql(
      world.target.url,
      `CREATE FUNCTION public.slow_ok(int) RETURNS boolean LANGUAGE sql AS 'SELECT pg_sleep(0.02) IS NOT NULL';
       CREATE TABLE public.meter_checks (id int PRIMARY KEY CHECK (public.slow_ok(id)));
       INSERT INTO public.meter_checks SELECT generate_series(1, 500);`,
    );
    key = `${world.backupPrefix}${guideDumpKinds[0]?.file}`;
    await world.s3.putObject(
      world.s3.bucket,
      key,
      await makeGuideDump(world.target.url, guideDumpKinds[0]?.command ?? ''),
    );
    await damageGuideTables(world.target.url);
    before = await snapshotGuideTables(world.target.url);
    bot = await startBot(world, { role: 'bot' });
  }, 60_000);
  afterAll(async () => {
    await doomed?.kill();
    await takeover?.stop();
    await bot?.stop();
    await world?.close();
  });

  it('the prompt says where production stands, and its buttons bring production back', async () => {
    doomed = await spawnWorker(world, fastLocks);
    const runId = runIdOf(await bot.command(`restore ${key}`, { user: people.operator }));
    const { approvalId } = await bot.approvalMessage(runId);
    await bot.click('approval_approve', approvalId, { user: people.approver });
    const stepStatus = async (name: string) =>
      (
        await bot.query<{ status: string }>('SELECT status FROM run_steps WHERE run_id = $1 AND name = $2', [
          runId,
          name,
        ])
      )[0]?.status;
    await waitUntil(async () => (await stepStatus('cutover')) === 'running', {
      timeoutMs: 60_000,
      description: `the cutover to start\n${doomed.output()}`,
    });
    await doomed.kill();

    takeover = await startBot(world, { role: 'worker', env: fastLocks });
    await bot.runStatus(runId, 'needs_attention', 30_000);
    const steps = await bot.query<{ name: string; status: string }>(
      'SELECT name, status FROM run_steps WHERE run_id = $1 ORDER BY ordinal',
      [runId],
    );
    // In place, nothing is restored or checked beside production: those steps are recorded as skipped.
    expect(steps.map((s) => `${s.name}:${s.status}`)).toEqual([
      'restore-side:skipped',
      'verify-side:skipped',
      'pre-restore-backup:succeeded',
      'scale-down:succeeded',
      'cutover:running',
    ]);
    // The prompt: did not finish, where the deployment and the database stand, and every way back.
    const prompt = await interruptedPrompt(world, runId);
    const text = JSON.stringify(prompt.body);
    expect(text).toContain('did not finish');
    expect(text).toContain(
      'Deployment gl-009-production/thermaliq: 0 replicas wanted, 0 ready (was 2 before the restore)',
    );
    expect(text).toContain(`Database ${world.target.name} on 127.0.0.1:5432: restored in place in one transaction`);
    expect(text).toContain(
      `pre-restore dump is s3://thermaliq-backups/${world.backupPrefix}pre-restore/${runId}.sql.gz`,
    );
    for (const action of ['run_retry_step', 'run_abort', 'run_rollback', 'run_scale_up'])
      expect(text).toContain(action);

    // Abort: the run ends, but the message keeps saying production is at 0 and keeps the ways back.
    await bot.click('run_abort', runId, { user: people.approver });
    await bot.runStatus(runId, 'cancelled');
    const aborted = await world.slack.waitFor(
      (c) =>
        c.method === 'chat.update' &&
        JSON.stringify(c.body).includes(runId) &&
        JSON.stringify(c.body).includes('run_scale_up') &&
        !JSON.stringify(c.body).includes('run_retry_step'),
    );
    expect(JSON.stringify(aborted.body)).toContain('0 replicas wanted');

    // Scale back up: an approver clicks; the deployment returns to its 2 replicas.
    await bot.click('run_scale_up', runId, { user: people.operator });
    await world.slack.waitFor((c) => c.method === 'chat.postEphemeral' && c.body.user === people.operator);
    await bot.click('run_scale_up', runId, { user: people.approver });
    await backAtTwoReplicas(world);
    // The killed restore's transaction never committed: production holds exactly what it had.
    expect(await snapshotGuideTables(world.target.url)).toEqual(before);
    const scales = world.kube.requests.filter(
      (r) => r.method === 'PATCH' && r.path.endsWith('/deployments/thermaliq/scale'),
    );
    expect(scales.map((r) => JSON.stringify(r.body))).toEqual([
      JSON.stringify({ spec: { replicas: 0 } }),
      JSON.stringify({ spec: { replicas: 2 } }),
    ]);
  }, 120_000);
});

describe('a worker killed in the cutover of a side-by-side restore, after it closed production to connections', () => {
  let world: World;
  let bot: Bot;
  let doomed: WorkerProcess | undefined;
  let takeover: Bot | undefined;
  let holder: pg.Client | undefined;
  beforeAll(async () => {
    world = await createWorld((cfg) => {
      production(cfg).restore = {
        verify: [],
        mode: 'side-by-side',
        preRestoreDump: false,
        keep: { count: 1, days: 7 },
      };
    });
    await seedGuideTables(world.target.url);
    bot = await startBot(world, { role: 'bot' });
  }, 60_000);
  afterAll(async () => {
    await holder?.end().catch(() => {});
    await doomed?.kill();
    await takeover?.stop();
    await bot?.stop();
    await world?.close();
  });

  it('the prompt says production refuses connections; Scale back up reopens it and brings the replicas back', async () => {
    const key = `${world.backupPrefix}${guideDumpKinds[0]?.file}`;
    await world.s3.putObject(
      world.s3.bucket,
      key,
      await makeGuideDump(world.target.url, guideDumpKinds[0]?.command ?? ''),
    );
    await damageGuideTables(world.target.url);
    const before = await snapshotGuideTables(world.target.url);
    const name = world.target.name;
    // Someone holds a lock on production's database object (an open COMMENT ON DATABASE): the cutover closes
    // production to new connections, then waits for that lock to rename it. The worker dies right there.
    holder = new pg.Client({ connectionString: databaseUrl(world.target.url, 'postgres') });
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query(`COMMENT ON DATABASE "${name}" IS 'held by a test'`);

    doomed = await spawnWorker(world, fastLocks);
    const runId = runIdOf(await bot.command(`restore ${key}`, { user: people.operator }));
    const { approvalId } = await bot.approvalMessage(runId);
    await bot.click('approval_approve', approvalId, { user: people.approver });
    const admin = databaseUrl(world.target.url, 'postgres');
    await waitUntil(
      async () =>
        (
          await sql<{ n: string }>(
            admin,
            "SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query ILIKE 'ALTER DATABASE%RENAME%'",
          )
        )[0]?.n === '1',
      { timeoutMs: 60_000, description: `the cutover to wait for the lock\n${doomed.output()}` },
    );
    await doomed.kill();
    await holder.query('ROLLBACK');

    takeover = await startBot(world, { role: 'worker', env: fastLocks });
    await bot.runStatus(runId, 'needs_attention', 30_000);
    const prompt = await interruptedPrompt(world, runId);
    const text = JSON.stringify(prompt.body);
    expect(text).toContain(
      'Deployment gl-009-production/thermaliq: 0 replicas wanted, 0 ready (was 2 before the restore)',
    );
    expect(text).toContain(`${name} (`);
    expect(text).toContain('still holds production\u2019s own data, not taking connections');
    expect(text).toContain(`${name}_restore_${runId.replace('-', '_')}: the restored copy`);

    await bot.click('run_scale_up', runId, { user: people.approver });
    await backAtTwoReplicas(world);
    // Production takes connections again, with exactly its own data.
    expect(await snapshotGuideTables(world.target.url)).toEqual(before);
  }, 120_000);
});
