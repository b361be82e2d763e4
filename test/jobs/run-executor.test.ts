import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseOpsConfig } from '../../src/config/ops-config.js';
import { createInfra } from '../../src/infra/infra.js';
import type { ApprovalView, ProgressItem, Reporter, RunRef, RunReport } from '../../src/jobs/report.js';
import { createRunExecutor } from '../../src/jobs/run-executor.js';
import type { Runbook, RunbookStep } from '../../src/jobs/runbook.js';
import { createLogger } from '../../src/log.js';
import { openStoreDb, type StoreDb } from '../../src/store/db.js';
import { migrateStore } from '../../src/store/migrate.js';
import { createStore, type Store } from '../../src/store/store.js';
import { uniquePrefix } from '../support/services.js';

const url = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = uniquePrefix('exec').replace(/-/g, '_');

/** Our own Reporter port, recording what the worker said (bot/outbox is tested against the fake Slack API). */
class RecordingReporter implements Reporter {
  events: { kind: string; runId: string; detail?: unknown }[] = [];
  async runStarted(run: RunRef, items: ProgressItem[]) {
    this.events.push({ kind: 'started', runId: run.runId, detail: items.length });
    return `ts-${run.runId}`;
  }
  runProgress(run: RunRef) {
    this.events.push({ kind: 'progress', runId: run.runId });
  }
  async runFinished(run: RunRef, report: RunReport) {
    this.events.push({ kind: 'finished', runId: run.runId, detail: report.headline });
  }
  async runFailed(run: RunRef, failure: { message: string; errorId: string; step?: string }) {
    this.events.push({ kind: 'failed', runId: run.runId, detail: failure });
  }
  async runNeedsAttention(run: RunRef, message: string) {
    this.events.push({ kind: 'attention', runId: run.runId, detail: message });
  }
  async runCancelled(run: RunRef, by: string) {
    this.events.push({ kind: 'cancelled', runId: run.runId, detail: by });
  }
  async approvalRequested(view: ApprovalView) {
    this.events.push({ kind: 'approval', runId: view.run.runId, detail: view.status });
    return `approval-ts-${view.approvalId}`;
  }
  async approvalUpdated(view: ApprovalView) {
    this.events.push({ kind: 'approval-updated', runId: view.run.runId, detail: view.status });
  }
}

const calls: string[] = [];
const step = (name: string, opts: Partial<RunbookStep<unknown>> = {}): RunbookStep<unknown> => ({
  name,
  title: name,
  timeoutMs: 2000,
  async run(ctx) {
    calls.push(name);
    return { from: name, saw: Object.keys(ctx.outputs) };
  },
  ...opts,
});

/** What the destructive test runbook's plan reports; tests change it to simulate a changed world. */
const world = { replicas: 2 };

const testRunbook = (
  name: string,
  steps: RunbookStep<unknown>[],
  risk: Runbook['risk'] = 'change',
): Runbook<unknown> => ({
  name,
  summary: name,
  usage: name,
  examples: [],
  risk,
  plan: async () => ({
    summary: `${name} with ${world.replicas} replicas`,
    fields: [{ label: 'Replicas', value: String(world.replicas) }],
    steps: steps.map((s) => s.name),
    material: { replicas: world.replicas },
  }),
  minRole: 'operator',
  params: z.object({}),
  parseArgs: () => ({}),
  initialProgress: () => steps.map((s) => ({ id: s.name, title: s.title, status: 'pending' })),
  steps,
  report: (_t, _p, outputs) => ({
    status: 'ok',
    headline: `done: ${Object.keys(outputs).join(',')}`,
    items: [],
    details: [],
  }),
});

const runbooks = new Map<string, Runbook<unknown>>([
  ['three', testRunbook('three', [step('scale-down'), step('restore', { destructive: true }), step('scale-up')])],
  ['slow', testRunbook('slow', [step('hang', { timeoutMs: 100, run: () => new Promise(() => {}) })])],
  ['danger', testRunbook('danger', [step('wipe', { destructive: true })], 'destructive')],
]);

const config = parseOpsConfig({
  services: { svc: { command: '/svc', displayName: 'Svc', environments: { production: {} } } },
  roles: { viewer: ['*'] },
  channels: { allowed: ['*'] },
});

describe('run executor: checkpoints and re-delivery', () => {
  let db: StoreDb;
  let store: Store;
  let reporter: RecordingReporter;
  let execute: ReturnType<typeof createRunExecutor>;
  const signal = new AbortController().signal;
  let n = 0;
  const newRun = async (runbook: string, status: 'queued' | 'planning' = 'queued') => {
    n += 1;
    const id = `r-test${n}`;
    await store.runs.create({
      id,
      service: 'svc',
      environment: 'production',
      runbook,
      params: {},
      risk: runbooks.get(runbook)?.risk ?? 'read',
      status,
      requestedBy: 'U1',
      channelId: 'C1',
    });
    return id;
  };

  beforeAll(async () => {
    db = openStoreDb(url, schema);
    await migrateStore(db);
    store = createStore(db);
  });
  beforeEach(() => {
    calls.length = 0;
    reporter = new RecordingReporter();
    execute = createRunExecutor({
      config,
      store,
      reporter,
      log: createLogger('silent'),
      createInfra: (t) => createInfra(t.env, { serviceKey: t.serviceKey }),
      runbooks,
    });
  });
  afterAll(async () => {
    await db.pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await db.close();
  });

  it('runs the steps in order, checkpoints each and reports once', async () => {
    const id = await newRun('three');
    await execute({ runId: id }, signal);
    expect(calls).toEqual(['scale-down', 'restore', 'scale-up']);
    const steps = await store.steps.list(id);
    expect(steps.map((s) => [s.name, s.status])).toEqual([
      ['scale-down', 'succeeded'],
      ['restore', 'succeeded'],
      ['scale-up', 'succeeded'],
    ]);
    expect(steps[2]?.output).toEqual({ from: 'scale-up', saw: ['scale-down', 'restore'] });
    expect(reporter.events.filter((e) => e.kind === 'finished')).toEqual([
      { kind: 'finished', runId: id, detail: 'done: scale-down,restore,scale-up' },
    ]);
    expect((await store.runs.get(id))?.status).toBe('succeeded');
    // A second delivery of a finished run does nothing.
    await execute({ runId: id }, signal);
    expect(calls).toHaveLength(3);
  });

  it('skips completed steps on re-delivery and reuses their outputs', async () => {
    const id = await newRun('three');
    await store.runs.markStarted(id);
    await store.steps.start(id, 0, 'scale-down');
    await store.steps.finish(id, 'scale-down', { status: 'succeeded', output: { from: 'earlier delivery' } });
    await execute({ runId: id }, signal);
    expect(calls).toEqual(['restore', 'scale-up']);
    expect((await store.runs.get(id))?.attempts).toBe(2);
  });

  it('stops for a person instead of repeating a destructive step that started but never finished', async () => {
    const id = await newRun('three');
    await store.runs.markStarted(id);
    await store.steps.start(id, 0, 'scale-down');
    await store.steps.finish(id, 'scale-down', { status: 'succeeded', output: {} });
    await store.steps.start(id, 1, 'restore');
    await execute({ runId: id }, signal);
    expect(calls).toEqual([]);
    expect((await store.runs.get(id))?.status).toBe('needs_attention');
    const attention = reporter.events.find((e) => e.kind === 'attention');
    expect(String(attention?.detail)).toMatch(/Step "restore" started at .* but did not finish/);
  });

  it('fails a step at its timeout and reports the step with an error id', async () => {
    const id = await newRun('slow');
    await execute({ runId: id }, signal);
    const failed = reporter.events.find((e) => e.kind === 'failed');
    expect(failed?.detail).toMatchObject({ message: 'step "hang" timed out after 100 ms', step: 'hang' });
    const run = await store.runs.get(id);
    expect(run?.status).toBe('failed');
    expect(run?.error_id).toMatch(/^E[0-9A-F]{8}$/);
    expect((await store.steps.list(id))[0]?.status).toBe('failed');
  });

  it('refuses to run a destructive runbook that has no approval', async () => {
    const id = await newRun('danger');
    await execute({ runId: id }, signal);
    expect(calls).toEqual([]);
    expect((await store.runs.get(id))?.status).toBe('failed');
    expect(reporter.events.find((e) => e.kind === 'failed')?.detail).toMatchObject({
      message: 'danger is destructive and has no approval; refusing to run it.',
    });
  });

  it('plans a destructive run, waits for approval, and asks again when the plan changed before it started', async () => {
    world.replicas = 2;
    const id = await newRun('danger', 'planning');
    await execute({ runId: id }, signal);
    expect((await store.runs.get(id))?.status).toBe('awaiting_approval');
    const first = await store.approvals.latestForRun(id);
    expect(first?.status).toBe('pending');
    expect(first?.message_ts).toBe(`approval-ts-${first?.id}`);
    // A stale delivery while waiting changes nothing.
    await execute({ runId: id }, signal);
    expect(calls).toEqual([]);

    const queue = async (q: import('../../src/store/db.js').Queryable) => {
      await new (await import('../../src/store/runs.js')).RunStore(q).requeue(id, ['awaiting_approval']);
    };
    expect((await store.approvals.vote(first?.id ?? '', 'UAPPROVER', queue)).kind).toBe('approved');
    world.replicas = 3;
    await execute({ runId: id, seq: 1 }, signal);
    expect(calls).toEqual([]);
    const second = await store.approvals.latestForRun(id);
    expect(second?.id).not.toBe(first?.id);
    expect(second?.status).toBe('pending');
    expect((await store.approvals.get(first?.id ?? ''))?.status).toBe('superseded');
    expect((await store.runs.get(id))?.status).toBe('awaiting_approval');

    expect((await store.approvals.vote(second?.id ?? '', 'UAPPROVER', queue)).kind).toBe('approved');
    await execute({ runId: id, seq: 2 }, signal);
    expect(calls).toEqual(['wipe']);
    expect((await store.runs.get(id))?.status).toBe('succeeded');
  });

  it('shows a dry run plan and runs nothing', async () => {
    const id = await newRun('danger', 'planning');
    await db.pool.query('UPDATE runs SET dry_run = true WHERE id = $1', [id]);
    await execute({ runId: id }, signal);
    expect(calls).toEqual([]);
    expect(reporter.events.find((e) => e.kind === 'approval')?.detail).toBe('dry_run');
    expect((await store.runs.get(id))?.status).toBe('succeeded');
    expect(await store.approvals.latestForRun(id)).toBeUndefined();
  });
});
