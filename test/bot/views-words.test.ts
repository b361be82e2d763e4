import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderRunReport } from '../../src/bot/views/run-message.js';
import { parseOpsConfig } from '../../src/config/ops-config.js';
import { resolveTarget } from '../../src/config/targets.js';
import { createInfra } from '../../src/infra/infra.js';
import type { RunRef } from '../../src/jobs/report.js';
import type { Runbook, RunbookContext } from '../../src/jobs/runbook.js';
import { cacheStatsRunbook } from '../../src/jobs/runbooks/cache/cache-stats.js';
import { digestWeeklyRunbook } from '../../src/jobs/runbooks/digest/digest-weekly.js';
import { healthRunbook } from '../../src/jobs/runbooks/monitor/health.js';
import { runSteps } from '../runbooks/run-context.js';
import { startS3, type TestS3 } from '../support/s3.js';
import { createTestDatabase, type TestDatabase } from '../support/services.js';

// Issue 13: counts and ages in words, no value said twice on a line, and a first health on a fresh machine that
// says how to make the first backup. Each message is checked against its golden file (UPDATE_GOLDEN=1 rewrites).

const goldenDir = join(import.meta.dirname, 'golden');
const mib = 1024 * 1024;

function golden(name: string, body: unknown): void {
  const file = join(goldenDir, `${name}.json`);
  const text = `${JSON.stringify(body, null, 2)}\n`;
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) writeFileSync(file, text);
  expect(text).toBe(readFileSync(file, 'utf8'));
}

/** The mrkdwn of a message's sections, one line per item. */
function lines(body: { blocks: unknown[] }): string[] {
  return (
    JSON.stringify(body.blocks)
      .match(/"text":"(?:[^"\\]|\\.)*"/g)
      ?.flatMap((t) => (JSON.parse(`{${t}}`) as { text: string }).text.split('\n')) ?? []
  );
}

const ref = (runbook: string): RunRef => ({
  runId: 'r-0123456789',
  runbook,
  service: 'vcci',
  serviceName: 'GL-VCCI',
  environment: 'production',
  requestedBy: 'UVIEWER1',
  channelId: 'COPS0001',
  messageTs: '1700000000.000100',
});

describe('messages that count and age things (golden files)', () => {
  let s3: TestS3;
  let db: TestDatabase;
  const contexts: RunbookContext[] = [];

  beforeAll(async () => {
    s3 = await startS3({ buckets: ['vcci-backups'] });
    db = await createTestDatabase('views_words');
  });
  afterAll(async () => {
    for (const c of contexts) await c.infra.close();
    await s3?.close();
    await db?.drop();
  });

  /** A VCCI service (its own slash command, /vcci) whose production has what `env` gives it. */
  function context(runId: string, env: Record<string, unknown>): RunbookContext {
    const config = parseOpsConfig({
      services: { vcci: { command: '/vcci', displayName: 'GL-VCCI', environments: { production: env } } },
      roles: {},
      channels: { allowed: ['*'] },
    });
    const target = resolveTarget(config, 'vcci', 'production');
    const ctx: RunbookContext = {
      runId,
      target,
      infra: createInfra(target.env, { serviceKey: 'vcci', environment: 'production' }),
      signal: AbortSignal.timeout(60_000),
      checkTimeoutMs: 10_000,
    };
    contexts.push(ctx);
    return ctx;
  }

  const backups = (prefix: string) => ({
    bucket: 'vcci-backups',
    prefix,
    endpoint: s3.endpoint,
    forcePathStyle: true,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
  });

  async function report<P>(runbook: Runbook<P>, ctx: RunbookContext, params: P) {
    const { outputs } = await runSteps(runbook, ctx, params);
    return renderRunReport(ref(runbook.name), runbook.report(ctx.target, params, outputs));
  }

  it('a first health with no backup yet names the service’s own command to make one', async () => {
    const body = await report(healthRunbook, context('r-first-health', { backups: backups('vcci/') }), {});
    const backup = lines(body).find((l) => l.includes('*Backup age*'));
    expect(backup).toBe(
      ':red_circle: *Backup age* — no backup yet: try `/vcci backup now` (`none`, threshold &gt; 25 h fails)',
    );
    golden('health-no-backup-yet', body);
  });

  it('the weekly digest says each value once, with counts and ages in words', async () => {
    await s3.putObject('vcci-backups', 'weekly/vcci-20260101-020000.sql.gz', 'backup-bytes');
    const ctx = context('r-weekly', { backups: backups('weekly/'), database: { url: db.url } });
    const body = await report(digestWeeklyRunbook, ctx, {});
    const all = lines(body);
    expect(all.find((l) => l.includes('*Database tables*'))).toBe(
      ':large_green_circle: *Database tables* — 0 dead tuples (0 %), 0 tables need vacuum across 0 tables ' +
        '(threshold dead tuples &gt; 50 + 0.1 × live tuples warns)',
    );
    expect(all.find((l) => l.includes('*Backups*'))).toBe(
      ':large_green_circle: *Backups* — Newest backup weekly/vcci-20260101-020000.sql.gz (12 B) ' +
        '(`1 backup, 12 B; newest just now`, threshold newest older than 25 h fails)',
    );
    golden('digest-weekly-words', body);
  });

  it('cache stats on a nearly empty Redis: rules that do not apply say so and are not green', () => {
    const ctx = context('r-cache', { cache: { url: 'redis://127.0.0.1:6379/0' } });
    const info = {
      keyspaceHits: 1,
      keyspaceMisses: 0,
      usedMemory: 1.2 * mib,
      maxMemory: 0,
      memFragmentationRatio: 6.74,
      evictedKeys: 1,
      expiredKeys: 0,
      usedMemoryRss: 8 * mib,
      maxMemoryPolicy: 'allkeys-lru',
      memAllocator: 'jemalloc-5.3.0',
      redisVersion: '7.2.4',
      keys: 1,
      keysWithExpiry: 1,
    };
    const body = renderRunReport(ref('cache stats'), cacheStatsRunbook.report(ctx.target, {}, { info }));
    const all = lines(body);
    expect(all.find((l) => l.includes('*Fragmentation ratio*'))).toBe(
      ':white_circle: *Fragmentation ratio* — allocator jemalloc-5.3.0 (`6.74`, threshold not judged below 5 MiB used)',
    );
    expect(all.find((l) => l.includes('*Hit rate*'))).toContain('1 hit, 0 misses');
    expect(all.find((l) => l.includes('*Expired keys*'))).toContain('1 of 1 key now has a TTL');
    golden('cache-stats-small-redis', body);
  });
});
