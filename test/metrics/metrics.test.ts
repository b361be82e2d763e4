import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueueBackend, type RunQueue } from '../../src/jobs/queue.js';
import { createMetrics, type Metrics } from '../../src/metrics/metrics.js';
import { metricsRoute } from '../../src/metrics/metrics-route.js';
import { type Exposition, parseExposition, sampleValue } from '../support/exposition.js';
import { redisUrl, uniquePrefix } from '../support/services.js';

/** Serves the route on 127.0.0.1 the way main.ts's probe server does, and GETs it as Prometheus would. */
async function serve(
  metrics: Metrics,
): Promise<{ scrape(): Promise<Exposition>; raw(): Promise<Response>; close(): Promise<void> }> {
  const route = metricsRoute(metrics);
  const server: Server = createServer((req, res) => {
    if (req.method === route.method && req.url === route.path) route.handler(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
  const raw = () => fetch(url);
  return {
    raw,
    async scrape() {
      const res = await raw();
      expect(res.status).toBe(200);
      return parseExposition(await res.text());
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}

describe('metrics over GET /metrics', () => {
  const servers: { close(): Promise<void> }[] = [];
  const open = async (metrics: Metrics) => {
    const s = await serve(metrics);
    servers.push(s);
    return s;
  };
  afterAll(async () => {
    for (const s of servers) await s.close();
  });

  it('answers with the Prometheus text format, and every line parses', async () => {
    const metrics = createMetrics();
    const res = await (await open(metrics)).raw();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const parsed = parseExposition(await res.text());
    for (const [name, type] of [
      ['chatops_commands_total', 'counter'],
      ['chatops_runs_total', 'counter'],
      ['chatops_run_duration_seconds', 'histogram'],
      ['chatops_step_duration_seconds', 'histogram'],
      ['chatops_approval_decisions_total', 'counter'],
      ['chatops_queue_jobs', 'gauge'],
      ['chatops_slack_api_calls_total', 'counter'],
      ['chatops_slack_api_errors_total', 'counter'],
      ['chatops_slack_api_rate_limited_total', 'counter'],
      ['chatops_outbox_backlog', 'gauge'],
    ]) {
      expect(parsed.types.get(name ?? ''), name).toBe(type);
      expect(parsed.help.get(name ?? '')?.length, name).toBeGreaterThan(10);
    }
    // Process metrics come along by default, under the same prefix.
    expect(parsed.types.get('chatops_process_resident_memory_bytes')).toBe('gauge');
  });

  it('counts commands by name and outcome', async () => {
    const metrics = createMetrics({ processMetrics: false });
    metrics.commandHandled('health', 'accepted');
    metrics.commandHandled('health', 'accepted');
    metrics.commandHandled('restore', 'invalid_arguments');
    metrics.commandHandled('unknown', 'unknown_command');
    metrics.commandHandled('health', 'ack_timeout');
    const m = await (await open(metrics)).scrape();
    expect(sampleValue(m, 'chatops_commands_total', { command: 'health', outcome: 'accepted' })).toBe(2);
    expect(sampleValue(m, 'chatops_commands_total', { command: 'restore', outcome: 'invalid_arguments' })).toBe(1);
    expect(sampleValue(m, 'chatops_commands_total', { command: 'unknown', outcome: 'unknown_command' })).toBe(1);
    expect(sampleValue(m, 'chatops_commands_total', { command: 'health', outcome: 'ack_timeout' })).toBe(1);
    expect(m.samples.filter((s) => s.name === 'chatops_commands_total')).toHaveLength(4);
  });

  it('counts runs by runbook and status, and observes durations only of runs that started', async () => {
    const metrics = createMetrics({ processMetrics: false });
    metrics.runFinished('health', 'succeeded', 3);
    metrics.runFinished('health', 'succeeded', 40);
    metrics.runFinished('restore', 'rejected');
    metrics.runFinished('restore', 'failed', 700);
    const m = await (await open(metrics)).scrape();
    expect(sampleValue(m, 'chatops_runs_total', { runbook: 'health', status: 'succeeded' })).toBe(2);
    expect(sampleValue(m, 'chatops_runs_total', { runbook: 'restore', status: 'rejected' })).toBe(1);
    expect(sampleValue(m, 'chatops_runs_total', { runbook: 'restore', status: 'failed' })).toBe(1);
    const health = { runbook: 'health', status: 'succeeded' };
    expect(sampleValue(m, 'chatops_run_duration_seconds_count', health)).toBe(2);
    expect(sampleValue(m, 'chatops_run_duration_seconds_sum', health)).toBe(43);
    expect(sampleValue(m, 'chatops_run_duration_seconds_bucket', { ...health, le: '5' })).toBe(1);
    expect(sampleValue(m, 'chatops_run_duration_seconds_bucket', { ...health, le: '60' })).toBe(2);
    expect(sampleValue(m, 'chatops_run_duration_seconds_bucket', { ...health, le: '+Inf' })).toBe(2);
    // A rejected run never started: counted, but no duration.
    expect(sampleValue(m, 'chatops_run_duration_seconds_count', { runbook: 'restore', status: 'rejected' })).toBe(
      undefined,
    );
    expect(
      sampleValue(m, 'chatops_run_duration_seconds_bucket', { runbook: 'restore', status: 'failed', le: '600' }),
    ).toBe(0);
  });

  it('observes step durations by runbook, step and status', async () => {
    const metrics = createMetrics({ processMetrics: false });
    metrics.stepFinished('restore', 'scale-down', 'succeeded', 12);
    metrics.stepFinished('restore', 'restore', 'failed', 0.4);
    metrics.stepFinished('restore', 'restore', 'failed', Number.NaN);
    const m = await (await open(metrics)).scrape();
    expect(
      sampleValue(m, 'chatops_step_duration_seconds_count', {
        runbook: 'restore',
        step: 'scale-down',
        status: 'succeeded',
      }),
    ).toBe(1);
    const failed = { runbook: 'restore', step: 'restore', status: 'failed' };
    expect(sampleValue(m, 'chatops_step_duration_seconds_count', failed)).toBe(1);
    expect(sampleValue(m, 'chatops_step_duration_seconds_bucket', { ...failed, le: '0.5' })).toBe(1);
  });

  it('counts approval decisions', async () => {
    const metrics = createMetrics({ processMetrics: false });
    metrics.approvalDecided('approved');
    metrics.approvalDecided('expired');
    metrics.approvalDecided('expired');
    const m = await (await open(metrics)).scrape();
    expect(sampleValue(m, 'chatops_approval_decisions_total', { decision: 'approved' })).toBe(1);
    expect(sampleValue(m, 'chatops_approval_decisions_total', { decision: 'expired' })).toBe(2);
    expect(sampleValue(m, 'chatops_approval_decisions_total', { decision: 'rejected' })).toBe(undefined);
  });

  it('counts Slack calls, their errors and their 429s', async () => {
    const metrics = createMetrics({ processMetrics: false });
    metrics.slackCall('chat.postMessage', 'ok');
    metrics.slackCall('chat.postMessage', 'rate_limited');
    metrics.slackCall('chat.postMessage', 'rate_limited');
    metrics.slackCall('chat.update', 'error', 'message_not_found');
    metrics.slackCall('chat.update', 'error', 'Weird Error: with "quotes" and a very long tail that goes on and on');
    const m = await (await open(metrics)).scrape();
    expect(sampleValue(m, 'chatops_slack_api_calls_total', { method: 'chat.postMessage' })).toBe(3);
    expect(sampleValue(m, 'chatops_slack_api_calls_total', { method: 'chat.update' })).toBe(2);
    expect(sampleValue(m, 'chatops_slack_api_rate_limited_total', { method: 'chat.postMessage' })).toBe(2);
    expect(sampleValue(m, 'chatops_slack_api_rate_limited_total', { method: 'chat.update' })).toBe(undefined);
    expect(sampleValue(m, 'chatops_slack_api_errors_total', { method: 'chat.postMessage', error: 'ratelimited' })).toBe(
      2,
    );
    expect(
      sampleValue(m, 'chatops_slack_api_errors_total', { method: 'chat.update', error: 'message_not_found' }),
    ).toBe(1);
    // Free text is reduced to a short snake_case code.
    const odd = m.samples.find(
      (s) => s.name === 'chatops_slack_api_errors_total' && s.labels.error?.startsWith('weird_error'),
    );
    expect(odd?.labels.error).toMatch(/^[a-z0-9_]{1,48}$/);
  });

  it('reads the outbox backlog from its source on every scrape', async () => {
    const metrics = createMetrics({ processMetrics: false });
    const server = await open(metrics);
    // Without an outbox (nothing set yet), nothing is backlogged.
    expect(sampleValue(await server.scrape(), 'chatops_outbox_backlog')).toBe(0);
    let backlog = 7;
    metrics.setOutboxBacklogSource(() => backlog);
    expect(sampleValue(await server.scrape(), 'chatops_outbox_backlog')).toBe(7);
    backlog = 0;
    expect(sampleValue(await server.scrape(), 'chatops_outbox_backlog')).toBe(0);
  });

  it('a queue source that fails or never answers leaves the gauge empty, counts the error, and the scrape still answers', async () => {
    const metrics = createMetrics({ processMetrics: false, sourceTimeoutMs: 50 });
    const server = await open(metrics);
    metrics.setQueueDepthSource(async () => ({ waiting: 4, active: 1, delayed: 2 }));
    let m = await server.scrape();
    expect(sampleValue(m, 'chatops_queue_jobs', { state: 'waiting' })).toBe(4);
    expect(sampleValue(m, 'chatops_queue_jobs', { state: 'active' })).toBe(1);
    expect(sampleValue(m, 'chatops_queue_jobs', { state: 'delayed' })).toBe(2);

    metrics.setQueueDepthSource(() => Promise.reject(new Error('Connection is closed.')));
    m = await server.scrape();
    expect(m.samples.filter((s) => s.name === 'chatops_queue_jobs')).toEqual([]);
    expect(sampleValue(m, 'chatops_metrics_source_errors_total', { source: 'queue_depth' })).toBe(1);

    metrics.setQueueDepthSource(() => new Promise(() => {}));
    m = await server.scrape();
    expect(m.samples.filter((s) => s.name === 'chatops_queue_jobs')).toEqual([]);
    expect(sampleValue(m, 'chatops_metrics_source_errors_total', { source: 'queue_depth' })).toBe(2);
  });

  it('instances never share samples, and default labels reach every sample', async () => {
    const a = createMetrics({ processMetrics: false, defaultLabels: { role: 'bot' } });
    const b = createMetrics({ processMetrics: false, defaultLabels: { role: 'worker' } });
    a.approvalDecided('approved');
    const ma = await (await open(a)).scrape();
    const mb = await (await open(b)).scrape();
    expect(sampleValue(ma, 'chatops_approval_decisions_total', { decision: 'approved', role: 'bot' })).toBe(1);
    expect(sampleValue(mb, 'chatops_approval_decisions_total', { decision: 'approved' })).toBe(undefined);
    expect(ma.samples.every((s) => s.labels.role === 'bot')).toBe(true);
  });

  it('a failing render is a 500 for that scrape, not a crash', async () => {
    const server = await serve({
      ...createMetrics({ processMetrics: false }),
      render: () => Promise.reject(new Error('collector exploded')),
    });
    servers.push(server);
    const res = await server.raw();
    expect(res.status).toBe(500);
    expect(await res.text()).toContain('collector exploded');
  });
});

describe('queue depth from the real queue backend (Redis)', () => {
  const prefix = uniquePrefix('metrics-q');
  let queue: RunQueue;
  beforeAll(async () => {
    const backend = createQueueBackend(
      'runbooks',
      { kind: 'redis', url: redisUrl(), prefix },
      { completed: 10, failed: 10, ageSeconds: 3600 },
    );
    await backend.prepare();
    queue = backend.createQueue();
  });
  afterAll(async () => {
    await queue.close();
    const redis = new Redis(redisUrl());
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('reports waiting jobs as they are enqueued, read on each scrape', async () => {
    const metrics = createMetrics({ processMetrics: false });
    metrics.setQueueDepthSource(() => queue.depth());
    const server = await serve(metrics);
    try {
      expect(sampleValue(await server.scrape(), 'chatops_queue_jobs', { state: 'waiting' })).toBe(0);
      await queue.enqueue('r-metrics1');
      await queue.enqueue('r-metrics2');
      await queue.enqueue('r-metrics2');
      const m = await server.scrape();
      // The same run enqueued twice is one job (the job id dedupes).
      expect(sampleValue(m, 'chatops_queue_jobs', { state: 'waiting' })).toBe(2);
      expect(sampleValue(m, 'chatops_queue_jobs', { state: 'active' })).toBe(0);
    } finally {
      await server.close();
    }
  });
});
