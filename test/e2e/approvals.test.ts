import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Bot, createWorld, people, production, runIdOf, startBot, type World } from '../helpers/world.js';

/** Text of every block of a message, for assertions. */
const textOf = (m: { blocks?: unknown } | undefined) => JSON.stringify(m?.blocks ?? '');

describe('approvals for destructive runbooks (backup prune)', () => {
  let world: World;
  let bot: Bot;
  let second: Bot;
  beforeAll(async () => {
    world = await createWorld((cfg) => {
      const svc = cfg.services.thermaliq;
      if (!svc) throw new Error('no service');
      // staging needs two distinct approvers.
      svc.environments.staging = { ...production(cfg), approvals: { quorum: 2 } };
    });
    bot = await startBot(world);
    // A second bot instance on the same Redis and PostgreSQL, without a worker.
    second = await startBot(world, { role: 'bot' });
  });
  afterAll(async () => {
    await second?.stop();
    await bot?.stop();
    await world?.close();
  });

  const requestPrune = async (args = 'backup prune', user: string = people.operator) => {
    const reply = await bot.command(args, { user });
    expect(reply.status).toBe(200);
    const runId = runIdOf(reply);
    const approval = await bot.approvalMessage(runId);
    return { runId, ...approval };
  };
  const message = (ts: string) => [...world.slack.messages().values()].find((m) => m.ts === ts);
  const auditOf = (runId: string) =>
    bot.query<{ actor: string; action: string; decision: string; reason: string | null }>(
      'SELECT actor, action, decision, reason FROM audit_events WHERE run_id = $1 ORDER BY id',
      [runId],
    );

  it('posts the plan with Approve/Reject buttons and runs nothing until approved', async () => {
    const reply = await bot.command('backup prune', { user: people.operator });
    expect(String((reply.json as { text?: string }).text)).toMatch(/\(planning\)/);
    const runId = runIdOf(reply);
    const { ts } = await bot.approvalMessage(runId);
    const text = textOf(message(ts));
    expect(text).toContain('Approval needed');
    expect(text).toContain('Delete 0 of 1 object under s3://');
    expect(text).toContain('approval_approve');
    expect(text).toContain('approval_reject');
    const [run] = await bot.query<{ status: string }>('SELECT status FROM runs WHERE id = $1', [runId]);
    expect(run?.status).toBe('awaiting_approval');
    expect(await bot.query('SELECT 1 FROM run_steps WHERE run_id = $1', [runId])).toHaveLength(0);
  });

  it('refuses the requester approving their own request, and viewers and operators, with an ephemeral reason', async () => {
    // An approver asks; approving their own request is still refused.
    const { runId, approvalId } = await requestPrune('backup prune', people.approver);
    await bot.click('approval_approve', approvalId, { user: people.approver });
    await bot.click('approval_approve', approvalId, { user: people.viewer });
    await bot.click('approval_approve', approvalId, { user: people.operator });
    await bot.click('approval_approve', approvalId, { user: 'UOTHEROP1' });
    const ephemeral = (user: string, text: string) =>
      world.slack.waitFor(
        (c) => c.method === 'chat.postEphemeral' && c.body.user === user && String(c.body.text).includes(text),
      );
    await ephemeral(people.approver, 'You requested this run, so you cannot approve it. A second person must.');
    await ephemeral(people.viewer, 'Only approvers can approve backup prune; you are a viewer');
    await ephemeral(people.operator, 'Only approvers can approve backup prune; you are an operator');
    await ephemeral('UOTHEROP1', 'Only approvers can approve backup prune; you are not in any role');
    expect((await bot.query<{ status: string }>('SELECT status FROM runs WHERE id = $1', [runId]))[0]?.status).toBe(
      'awaiting_approval',
    );
    const audit = await auditOf(runId);
    expect(
      audit
        .filter((a) => a.action === 'approve')
        .map((a) => [a.actor, a.decision, a.reason])
        .sort(),
    ).toEqual(
      [
        [people.approver, 'deny', 'self_approval'],
        [people.viewer, 'deny', 'forbidden'],
        [people.operator, 'deny', 'forbidden'],
        ['UOTHEROP1', 'deny', 'forbidden'],
      ].sort(),
    );
  });

  it('runs once a valid approver approves, and shows who decided', async () => {
    const { runId, approvalId, ts } = await requestPrune();
    await bot.click('approval_approve', approvalId, { user: people.approver });
    await bot.runStatus(runId, 'succeeded');
    // The decision's update goes out through the outbox, paced per message: it may land after a short run ended.
    await world.slack.waitFor(
      (c) => c.method === 'chat.update' && c.body.ts === ts && JSON.stringify(c.body).includes('Approved by'),
    );
    const text = textOf(message(ts));
    expect(text).toContain('Approved by <@UAPPROVER1>');
    expect(text).not.toContain('approval_approve');
    const steps = await bot.query<{ name: string; status: string }>(
      'SELECT name, status FROM run_steps WHERE run_id = $1',
      [runId],
    );
    expect(steps).toEqual([{ name: 'delete', status: 'succeeded' }]);
  });

  it('rejects with a reason from the modal, and nothing runs', async () => {
    const { runId, approvalId, ts } = await requestPrune();
    const clicked = await bot.click('approval_reject', approvalId, { user: people.approver });
    expect(clicked.status).toBe(200);
    await world.slack.waitFor((c) => c.method === 'views.open' && JSON.stringify(c.body).includes(approvalId));
    await bot.submitRejectReason(approvalId, 'Not during the Sunday window', people.approver);
    await bot.runStatus(runId, 'rejected');
    await world.slack.waitFor(
      (c) => c.method === 'chat.update' && c.body.ts === ts && JSON.stringify(c.body).includes('Rejected by'),
    );
    expect(textOf(message(ts))).toContain('Not during the Sunday window');
    expect(textOf(message(ts))).not.toContain('approval_approve');
    // A late approve does nothing.
    await bot.click('approval_approve', approvalId, { user: people.approver2 });
    await world.slack.waitFor((c) => c.method === 'chat.postEphemeral' && c.body.user === people.approver2);
    expect(bot.ephemeralsFor(people.approver2).some((t) => t.includes('already rejected'))).toBe(true);
    expect(await bot.query('SELECT 1 FROM run_steps WHERE run_id = $1', [runId])).toHaveLength(0);
  });

  it('expires an undecided request, removes its buttons, and answers a late click', async () => {
    const { runId, approvalId, ts } = await requestPrune();
    await bot.query("UPDATE approvals SET expires_at = now() - interval '1 second' WHERE id = $1", [approvalId]);
    await bot.runStatus(runId, 'expired');
    await world.slack.waitFor(
      (c) => c.method === 'chat.update' && c.body.ts === ts && JSON.stringify(c.body).includes('Expired'),
    );
    expect(textOf(message(ts))).not.toContain('approval_approve');
    await bot.click('approval_approve', approvalId, { user: people.approver });
    await world.slack.waitFor(
      (c) =>
        c.method === 'chat.postEphemeral' && c.body.user === people.approver && String(c.body.text).includes('expired'),
    );
    const audit = await auditOf(runId);
    expect(audit.some((a) => a.action === 'approval_expired')).toBe(true);
  });

  it('needs two distinct approvers where the environment asks for a quorum of 2', async () => {
    const { runId, approvalId, ts } = await requestPrune('backup prune --env staging');
    await bot.click('approval_approve', approvalId, { user: people.approver });
    await world.slack.waitFor(
      (c) => c.method === 'chat.postEphemeral' && String(c.body.text).includes('1 more approver'),
    );
    await bot.click('approval_approve', approvalId, { user: people.approver });
    await world.slack.waitFor(
      (c) => c.method === 'chat.postEphemeral' && String(c.body.text).includes('already approved'),
    );
    expect((await bot.query<{ status: string }>('SELECT status FROM runs WHERE id = $1', [runId]))[0]?.status).toBe(
      'awaiting_approval',
    );
    await bot.click('approval_approve', approvalId, { user: people.admin });
    await bot.runStatus(runId, 'succeeded');
    // The "1 of 2" update may still hold the message's turn: the decision's update lands after it.
    await world.slack.waitFor(
      (c) => c.method === 'chat.update' && c.body.ts === ts && JSON.stringify(c.body).includes('Approved by'),
    );
    expect(textOf(message(ts))).toContain('Approved by <@UAPPROVER1>, <@UADMIN1>');
  });

  it('decides exactly once for 20 concurrent Approve clicks spread over two bot instances', async () => {
    const { runId, approvalId } = await requestPrune();
    const approvers = [people.approver, people.approver2, people.admin];
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 === 0 ? bot : second).click('approval_approve', approvalId, {
          user: approvers[i % approvers.length] ?? people.admin,
        }),
      ),
    );
    await bot.runStatus(runId, 'succeeded');
    const approved = (await auditOf(runId)).filter((a) => a.action === 'approve' && a.reason === 'approved');
    expect(approved).toHaveLength(1);
    const steps = await bot.query('SELECT 1 FROM run_steps WHERE run_id = $1', [runId]);
    expect(steps).toHaveLength(1);
    const [run] = await bot.query<{ attempts: number; job_seq: number }>(
      'SELECT attempts, job_seq FROM runs WHERE id = $1',
      [runId],
    );
    expect(run).toEqual({ attempts: 1, job_seq: 1 });
  });

  it('asks for approval again, showing what changed, when the plan changed before the run started', async () => {
    const { runId, approvalId, ts } = await requestPrune();
    // Old backups appear after the request: the prune would now delete them, which nobody approved.
    const old = new Date(Date.now() - 400 * 86_400_000);
    for (let i = 0; i < 4; i++) {
      const key = `${world.backupPrefix}ancient-${i}.sql.gz`;
      await world.s3.putObject(world.s3.bucket, key, 'old');
      await world.s3.setLastModified(world.s3.bucket, key, new Date(old.getTime() - i * 86_400_000));
    }
    await bot.click('approval_approve', approvalId, { user: people.approver });
    const next = await bot.approvalMessage(runId, { status: 'pending', not: approvalId });
    expect(next.approvalId).not.toBe(approvalId);
    await world.slack.waitFor(
      (c) => c.method === 'chat.update' && c.body.ts === ts && JSON.stringify(c.body).includes('Superseded'),
    );
    const text = textOf(message(next.ts));
    expect(text).toContain('The plan changed since it was approved');
    expect(text).toContain('ancient-');
    expect(await bot.query('SELECT 1 FROM run_steps WHERE run_id = $1', [runId])).toHaveLength(0);
    await bot.click('approval_approve', next.approvalId, { user: people.approver2 });
    await bot.runStatus(runId, 'succeeded');
  });

  it('posts only the plan for --dry-run, with no buttons and no approval request', async () => {
    const reply = await bot.command('backup prune --dry-run', { user: people.operator });
    const runId = runIdOf(reply);
    await bot.runStatus(runId, 'succeeded');
    const post = await world.slack.waitFor(
      (c) =>
        c.method === 'chat.postMessage' &&
        JSON.stringify(c.body).includes('Dry run') &&
        JSON.stringify(c.body).includes(runId),
    );
    expect(JSON.stringify(post.body)).not.toContain('approval_approve');
    expect(await bot.query('SELECT 1 FROM approvals WHERE run_id = $1', [runId])).toHaveLength(0);
  });
});
