import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Bot, channels, createWorld, people, runIdOf, startBot, type World } from '../helpers/world.js';
import { slackMessageKey } from '../support/fake-slack.js';

describe('/thermaliq health on a healthy service', () => {
  let world: World;
  let bot: Bot;
  beforeAll(async () => {
    world = await createWorld();
    bot = await startBot(world);
  });
  afterAll(async () => {
    await bot?.stop();
    await world?.close();
  });

  it('acks ephemerally, posts one live message, updates it in place and ends in an all-ok report', async () => {
    const reply = await bot.command('health', { user: people.viewer });
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({ response_type: 'ephemeral' });
    const runId = runIdOf(reply);

    const final = await bot.finalMessage(runId);
    const posts = world.slack
      .callsOf('chat.postMessage')
      .filter((c) => c.body.channel === channels.ops && !c.body.thread_ts);
    expect(posts).toHaveLength(1);
    expect(final.updates).toBeGreaterThanOrEqual(1);
    const text = JSON.stringify(final.blocks);
    expect(text).toContain(':large_green_circle:');
    for (const title of [
      'Pods',
      'Nodes',
      'API',
      'Error rate',
      'p95',
      'Cache hit rate',
      'connections',
      'Redis',
      'backup',
      'ertificate',
      'ERROR',
      'Disk',
    ]) {
      expect(text).toContain(title);
    }
    expect(text).not.toMatch(/:red_circle:|:warning:|:large_yellow_circle:/);

    const [run] = await bot.query<{
      status: string;
      requested_by: string;
      report: { status: string; items: { status: string }[] };
    }>('SELECT status, requested_by, report FROM runs WHERE id = $1', [runId]);
    expect(run?.status).toBe('succeeded');
    expect(run?.requested_by).toBe(people.viewer);
    expect(run?.report.status).toBe('ok');
    expect(run?.report.items.length).toBeGreaterThanOrEqual(12);

    const steps = await bot.query<{ name: string; status: string }>(
      'SELECT name, status FROM run_steps WHERE run_id = $1',
      [runId],
    );
    expect(steps).toEqual([{ name: 'checks', status: 'succeeded' }]);
    const audit = await bot.query<{ action: string; decision: string; actor: string }>(
      'SELECT action, decision, actor FROM audit_events WHERE run_id = $1',
      [runId],
    );
    expect(audit).toEqual([{ action: 'run:health', decision: 'allow', actor: people.viewer }]);

    // The checks really reached the systems.
    expect(world.kube.requests.some((r) => r.path === `/api/v1/namespaces/${world.namespace}/pods`)).toBe(true);
    expect(world.kube.requests.some((r) => r.path === '/api/v1/nodes')).toBe(true);
    expect(world.prom.queries.some((q) => q.includes('thermaliq_calculation_errors_total'))).toBe(true);
    expect(world.slack.messages().get(slackMessageKey(channels.ops, final.ts))?.ephemeral).toBe(false);
  });

  it('reports an environment with nothing configured as skipped, with a hint, not as a failure', async () => {
    const reply = await bot.command('health --env staging', { user: people.viewer });
    const final = await bot.finalMessage(runIdOf(reply));
    const [run] = await bot.query<{
      report: { status: string; items: { id: string; status: string; summary: string }[] };
    }>('SELECT report FROM runs WHERE id = $1', [runIdOf(reply)]);
    expect(run?.report.status).toBe('skipped');
    for (const i of run?.report.items ?? []) {
      expect(i.status, i.id).toBe('skipped');
      expect(i.summary, i.id).toMatch(/set |not configured|configure/i);
    }
    expect(JSON.stringify(final.blocks)).toContain(':white_circle:');
  });

  it('exposes probes and Prometheus metrics on the HTTP port', async () => {
    const base = `http://127.0.0.1:${bot.instance.port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(/chatops_commands_total\{[^}]*command="health"[^}]*outcome="accepted"[^}]*\} [1-9]/);
    expect(text).toMatch(/chatops_runs_total\{[^}]*runbook="health"[^}]*status="succeeded"[^}]*\} [1-9]/);
    expect(text).toMatch(/chatops_slack_api_calls_total\{[^}]*method="chat.postMessage"/);
    expect(text).toMatch(/chatops_queue_jobs\{[^}]*state=/);
    expect(text).toContain('chatops_outbox_backlog');
  });
});
