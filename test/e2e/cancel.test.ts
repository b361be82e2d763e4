import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Bot, createWorld, people, runIdOf, startBot, type World } from '../helpers/world.js';

describe('cancel', () => {
  let world: World;
  let workerHost: Bot;
  let otherBot: Bot;
  beforeAll(async () => {
    world = await createWorld((cfg) => {
      cfg.health.checkTimeoutMs = 20_000;
    });
    // One instance runs the worker; the click lands on another instance that holds nothing.
    workerHost = await startBot(world, { role: 'all' });
    otherBot = await startBot(world, { role: 'bot' });
  });
  afterAll(async () => {
    world?.kube.clearFaults();
    await otherBot?.stop();
    await workerHost?.stop();
    await world?.close();
  });

  it('stops a running run when the click reaches an instance that does not hold the job', async () => {
    // Kubernetes never answers, so the health run sits in its checks until cancelled (or 20 s of timeouts).
    world.kube.hang(/.*/);
    const runId = runIdOf(await workerHost.command('health', { user: people.viewer }));
    await workerHost.runStatus(runId, 'running');
    const live = await world.slack.waitFor(
      (c) => c.method === 'chat.postMessage' && JSON.stringify(c.body).includes(runId),
    );
    expect(JSON.stringify(live.body)).toContain('run_cancel');

    // A stranger may not cancel someone else's run.
    await otherBot.click('run_cancel', runId, { user: 'USTRANGER1' });
    await world.slack.waitFor(
      (c) =>
        c.method === 'chat.postEphemeral' &&
        c.body.user === 'USTRANGER1' &&
        String(c.body.text).includes('can cancel run'),
    );

    await otherBot.click('run_cancel', runId, { user: people.viewer });
    await workerHost.runStatus(runId, 'cancelled', 10_000);
    const [run] = await workerHost.query<{ cancel_requested_by: string; status: string }>(
      'SELECT cancel_requested_by, status FROM runs WHERE id = $1',
      [runId],
    );
    expect(run).toEqual({ cancel_requested_by: people.viewer, status: 'cancelled' });
    await world.slack.waitFor(
      (c) => c.method === 'chat.update' && JSON.stringify(c.body).includes('Cancelled by <@UVIEWER1>'),
    );
    world.kube.clearFaults();
  });

  it('cancels a destructive run that is still waiting for approval, and removes its buttons', async () => {
    const runId = runIdOf(await otherBot.command('backup prune', { user: people.operator }));
    const { ts, approvalId } = await otherBot.approvalMessage(runId);
    await otherBot.click('run_cancel', runId, { user: people.operator });
    await otherBot.runStatus(runId, 'cancelled');
    await world.slack.waitFor(
      (c) => c.method === 'chat.update' && c.body.ts === ts && JSON.stringify(c.body).includes('Cancelled'),
    );
    const [approval] = await otherBot.query<{ status: string }>('SELECT status FROM approvals WHERE id = $1', [
      approvalId,
    ]);
    expect(approval?.status).toBe('superseded');
    // Approving afterwards does nothing.
    await otherBot.click('approval_approve', approvalId, { user: people.approver });
    await world.slack.waitFor((c) => c.method === 'chat.postEphemeral' && c.body.user === people.approver);
    expect(await otherBot.query('SELECT 1 FROM run_steps WHERE run_id = $1', [runId])).toHaveLength(0);
  });
});
