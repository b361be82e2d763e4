import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnWorker, type WorkerProcess } from '../helpers/spawn-worker.js';
import { type Bot, createWorld, people, runIdOf, startBot, type World } from '../helpers/world.js';
import { waitUntil } from '../support/services.js';

describe('a worker killed in the middle of a restore', () => {
  let world: World;
  let bot: Bot;
  let doomed: WorkerProcess | undefined;
  let takeover: Bot | undefined;
  beforeAll(async () => {
    world = await createWorld();
    bot = await startBot(world, { role: 'bot' });
  });
  afterAll(async () => {
    await doomed?.kill();
    await takeover?.stop();
    await bot?.stop();
    await world?.close();
  });

  it('is taken over by another worker, which skips the finished steps and stops for a person at the restore', async () => {
    // A backup whose restore takes long enough to be interrupted.
    const key = `${world.backupPrefix}slow-restore.sql.gz`;
    await world.s3.putObject(
      world.s3.bucket,
      key,
      gzipSync(
        'CREATE TABLE restored_marker (id int);\nSELECT pg_sleep(20);\nINSERT INTO restored_marker VALUES (1);\n',
      ),
    );
    doomed = await spawnWorker(world, { WORKER_LOCK_DURATION_MS: '2000', WORKER_STALLED_INTERVAL_MS: '500' });

    const runId = runIdOf(await bot.command(`restore ${key}`, { user: people.operator }));
    const { approvalId } = await bot.approvalMessage(runId);
    await bot.click('approval_approve', approvalId, { user: people.approver });
    await waitUntil(
      async () =>
        (
          await bot.query<{ status: string }>("SELECT status FROM run_steps WHERE run_id = $1 AND name = 'restore'", [
            runId,
          ])
        )[0]?.status === 'running',
      { timeoutMs: 30_000, description: `the restore step to start\n${doomed.output()}` },
    );
    await doomed.kill();

    takeover = await startBot(world, {
      role: 'worker',
      env: { WORKER_LOCK_DURATION_MS: '2000', WORKER_STALLED_INTERVAL_MS: '500' },
    });
    await bot.runStatus(runId, 'needs_attention', 30_000);

    const steps = await bot.query<{ name: string; status: string }>(
      'SELECT name, status FROM run_steps WHERE run_id = $1 ORDER BY ordinal',
      [runId],
    );
    expect(steps).toEqual([
      { name: 'scale-down', status: 'succeeded' },
      { name: 'pre-restore-backup', status: 'succeeded' },
      { name: 'restore', status: 'running' },
    ]);
    const [run] = await bot.query<{ attempts: number }>('SELECT attempts FROM runs WHERE id = $1', [runId]);
    expect(run?.attempts).toBe(2);
    // Kubernetes saw exactly one scale-down and no scale-up: nothing ran twice.
    const scales = world.kube.requests.filter(
      (r) => r.method === 'PATCH' && r.path.endsWith('/deployments/thermaliq/scale'),
    );
    expect(scales.map((r) => JSON.stringify(r.body))).toEqual([JSON.stringify({ spec: { replicas: 0 } })]);
    // Exactly one pre-restore backup was written.
    const { ListObjectsV2Command } = await import('@aws-sdk/client-s3');
    const listed = await world.s3.client.send(
      new ListObjectsV2Command({ Bucket: world.s3.bucket, Prefix: `${world.backupPrefix}pre-restore/` }),
    );
    expect(listed.Contents ?? []).toHaveLength(1);
    // The person is asked, with Retry step / Abort buttons.
    const notice = await world.slack.waitFor(
      (c) =>
        c.method === 'chat.update' &&
        JSON.stringify(c.body).includes('run_retry_step') &&
        JSON.stringify(c.body).includes(runId),
    );
    expect(JSON.stringify(notice.body)).toContain('did not finish');
    expect(JSON.stringify(notice.body)).toContain('run_abort');

    // An operator cannot decide; an approver aborts, and the run ends without running the step again.
    await bot.click('run_abort', runId, { user: people.operator });
    await world.slack.waitFor((c) => c.method === 'chat.postEphemeral' && c.body.user === people.operator);
    await bot.click('run_abort', runId, { user: people.approver });
    await bot.runStatus(runId, 'cancelled');
    expect(
      (
        await bot.query<{ status: string }>("SELECT status FROM run_steps WHERE run_id = $1 AND name = 'restore'", [
          runId,
        ])
      )[0]?.status,
    ).toBe('running');
  });
});
