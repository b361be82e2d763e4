import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { databaseUrl } from '../../src/infra/pg-scratch.js';
import { spawnWorker, type WorkerProcess } from '../helpers/spawn-worker.js';
import {
  type Bot,
  captureLog,
  createWorld,
  people,
  production,
  runIdOf,
  startBot,
  type World,
} from '../helpers/world.js';
import { guideDumpKinds, makeGuideDump } from '../runbooks/guide-dumps.js';
import { damageGuideTables, seedGuideTables, snapshotGuideTables } from '../runbooks/guide-tables.js';
import { sql } from '../runbooks/run-context.js';
import { waitUntil } from '../support/services.js';

const fastLocks = { WORKER_LOCK_DURATION_MS: '2000', WORKER_STALLED_INTERVAL_MS: '500' };

/** How each step is made to last long enough for a worker to die in it, by means a user's system has. */
const slowSteps = {
  // A check constraint that takes a while per row: the backup's restore takes seconds.
  'restore-side': 'dump',
  // A verification query that takes seconds (it runs in verify-side, and again in verify).
  'verify-side': 'query',
  // Someone holds a table of production locked: pg_dump waits for it.
  'pre-restore-backup': 'lock',
  // The pods take seconds to go and to come back.
  'scale-down': 'rollout',
  'scale-up': 'rollout',
  verify: 'query',
} as const;

/**
 * SIGKILL of the worker in each idempotent step of a side-by-side restore (the cutover, the one step that is not
 * repeated by itself, has its own tests in crash-recovery): another worker takes the run over, repeats the step, and
 * the restore ends as if nothing happened: the data is the backup's, the replicas are back, one swap.
 */
describe('a worker killed in each idempotent step of a restore', () => {
  let world: World | undefined;
  let bot: Bot | undefined;
  let doomed: WorkerProcess | undefined;
  let takeover: Bot | undefined;
  let holder: pg.Client | undefined;
  afterEach(async () => {
    await holder?.end().catch(() => {});
    await doomed?.kill();
    await takeover?.stop();
    await bot?.stop();
    await world?.close();
    holder = doomed = takeover = bot = world = undefined;
  });

  for (const [step, how] of Object.entries(slowSteps)) {
    it(`${step}: taken over, repeated, and the restore completes`, async () => {
      const slowQuery = 'SELECT count(*) FROM public.tenants, pg_sleep(4)';
      const w = await createWorld((cfg) => {
        production(cfg).restore = {
          verify: [
            { name: 'tenants', query: how === 'query' ? slowQuery : 'SELECT count(*) FROM public.tenants', min: 1 },
          ],
          mode: 'side-by-side',
          preRestoreDump: true,
          keep: { count: 1, days: 7 },
        };
      });
      world = w;
      await seedGuideTables(w.target.url);
      if (how === 'dump') {
        await sql(
          w.target.url,
          `CREATE FUNCTION public.slow_ok(int) RETURNS boolean LANGUAGE sql AS 'SELECT pg_sleep(0.02) IS NOT NULL';
           CREATE TABLE public.meter_checks (id int PRIMARY KEY CHECK (public.slow_ok(id)));
           INSERT INTO public.meter_checks SELECT generate_series(1, 300);`,
        );
      }
      const seed = await snapshotGuideTables(w.target.url);
      const key = `${w.backupPrefix}${guideDumpKinds[0]?.file}`;
      await w.s3.putObject(w.s3.bucket, key, await makeGuideDump(w.target.url, guideDumpKinds[0]?.command ?? ''));
      await damageGuideTables(w.target.url);
      if (how === 'rollout') w.kube.rolloutDelayMs = 5000;
      if (how === 'lock') {
        holder = new pg.Client({ connectionString: w.target.url });
        // The cutover ends every session on production, this one included.
        holder.on('error', () => {});
        await holder.connect();
        await holder.query('BEGIN');
        await holder.query('LOCK TABLE public.tenants IN ACCESS EXCLUSIVE MODE');
      }

      bot = await startBot(w, { role: 'bot' });
      doomed = await spawnWorker(w, fastLocks);
      const runId = runIdOf(await bot.command(`restore ${key}`, { user: people.operator }));
      const { approvalId } = await bot.approvalMessage(runId);
      await bot.click('approval_approve', approvalId, { user: people.approver });
      const b = bot;
      await waitUntil(
        async () =>
          (
            await b.query<{ status: string }>('SELECT status FROM run_steps WHERE run_id = $1 AND name = $2', [
              runId,
              step,
            ])
          )[0]?.status === 'running',
        { timeoutMs: 60_000, description: `${step} to start\n${doomed.output()}` },
      );
      await doomed.kill();
      await holder?.query('ROLLBACK');
      w.kube.rolloutDelayMs = 0;

      const takeoverLog = captureLog();
      takeover = await startBot(w, { role: 'worker', env: fastLocks, logTo: takeoverLog.stream });
      try {
        await bot.runStatus(runId, 'succeeded', 90_000);
      } catch (err) {
        // Say where the run stood, and what the worker that took it over did.
        const steps = await bot.query('SELECT name, status, attempts FROM run_steps WHERE run_id = $1', [runId]);
        const runs = await bot.query('SELECT status, attempts, error FROM runs WHERE id = $1', [runId]);
        throw new Error(
          `${(err as Error).message}\nrun: ${JSON.stringify(runs)}\nsteps: ${JSON.stringify(steps)}\n` +
            `takeover log:\n${takeoverLog.text()}\ndoomed worker log:\n${doomed.output()}`,
        );
      }
      const [run] = await bot.query<{ attempts: number }>('SELECT attempts FROM runs WHERE id = $1', [runId]);
      expect(run?.attempts).toBe(2);
      expect(await snapshotGuideTables(w.target.url)).toEqual(seed);
      // Scaled down once and up once (a repeated scale finds the deployment where it should be), one swap.
      const scales = w.kube.requests.filter(
        (r) => r.method === 'PATCH' && r.path.endsWith('/deployments/thermaliq/scale'),
      );
      expect(scales.map((r) => JSON.stringify(r.body))).toEqual([
        JSON.stringify({ spec: { replicas: 0 } }),
        JSON.stringify({ spec: { replicas: 2 } }),
      ]);
      await waitUntil(
        () =>
          (w.kube.deployment(w.namespace, 'thermaliq') as { status?: { readyReplicas?: number } })?.status
            ?.readyReplicas === 2,
        { timeoutMs: 30_000, description: 'the deployment back at 2 ready replicas' },
      );
      const kept = await sql<{ datname: string }>(
        databaseUrl(w.target.url, 'postgres'),
        `SELECT datname FROM pg_database WHERE starts_with(datname, '${w.target.name}_') ORDER BY 1`,
      );
      expect(kept.map((k) => k.datname)).toEqual([`${w.target.name}_pre_${runId.replace('-', '_')}`]);
    }, 180_000);
  }
});
