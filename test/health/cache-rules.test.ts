import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderRunReport } from '../../src/bot/views/run-message.js';
import { parseOpsConfig } from '../../src/config/ops-config.js';
import { resolveTarget } from '../../src/config/targets.js';
import { defaultThresholds, type Thresholds } from '../../src/config/thresholds.js';
import type { CacheInfo } from '../../src/infra/cache.js';
import { assessCacheInfo } from '../../src/jobs/health/checks/redis.js';
import type { ProgressItem, RunRef } from '../../src/jobs/report.js';
import type { RunTarget } from '../../src/jobs/runbook.js';
import { cacheStatsRunbook } from '../../src/jobs/runbooks/cache/cache-stats.js';

// Issue 13, item 3: a line's colour and its threshold text come from one rule evaluation, so a value over the
// threshold it states is never green, and a rule that does not apply says so in the line.

const mib = 1024 * 1024;
const green = ':large_green_circle:';

const ref: RunRef = {
  runId: 'r-0123456789',
  runbook: 'cache stats',
  service: 'thermaliq',
  serviceName: 'GL-009 THERMALIQ',
  environment: 'production',
  requestedBy: 'UVIEWER1',
  channelId: 'COPS0001',
};

function targetWith(thresholds: Thresholds): RunTarget {
  const config = parseOpsConfig({
    services: {
      thermaliq: {
        command: '/thermaliq',
        displayName: 'GL-009 THERMALIQ',
        environments: { production: { cache: { url: 'redis://127.0.0.1:6379/0' } } },
      },
    },
    roles: {},
    channels: { allowed: ['*'] },
  });
  return { ...resolveTarget(config, 'thermaliq', 'production'), thresholds };
}

/** The line the channel sees for one item, as the report message renders it. */
function renderedLine(item: ProgressItem): string {
  const body = renderRunReport(ref, { status: 'ok', headline: 'h', items: [item], details: [] });
  const text = body.blocks.flatMap((b) => (b.type === 'section' && b.text ? [b.text.text] : []));
  const line = text
    .join('\n')
    .split('\n')
    .find((l) => l.includes(`*${item.title}*`));
  if (!line) throw new Error(`no line for ${item.title}`);
  return line;
}

const info = fc.record({
  keyspaceHits: fc.oneof(fc.constant(0), fc.nat(1_000_000)),
  keyspaceMisses: fc.oneof(fc.constant(0), fc.nat(1_000_000)),
  usedMemory: fc.oneof(fc.integer({ min: 0, max: 5 * mib + 1 }), fc.integer({ min: 0, max: 4096 * mib })),
  maxMemory: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 4096 * mib })),
  memFragmentationRatio: fc.integer({ min: 10, max: 2000 }).map((n) => n / 100),
  evictedKeys: fc.nat(1000),
  expiredKeys: fc.nat(1000),
});

const thresholds = fc.record({
  cacheFragmentationRatio: fc.integer({ min: 11, max: 500 }).map((n) => n / 10),
  cacheMemoryPercent: fc.integer({ min: 1, max: 100 }),
  cacheHitRate: fc.integer({ min: 0, max: 100 }).map((n) => n / 100),
});

function statsItems(i: CacheInfo, t: Thresholds): Map<string, ProgressItem> {
  const outputs = {
    info: {
      ...i,
      usedMemoryRss: i.usedMemory,
      maxMemoryPolicy: 'allkeys-lru',
      memAllocator: 'jemalloc-5.3.0',
      redisVersion: '7.2.4',
      keys: 10,
      keysWithExpiry: 1,
    },
  };
  const report = cacheStatsRunbook.report(targetWith(t), {}, outputs);
  return new Map(report.items.map((x) => [x.id, x]));
}

function item(items: Map<string, ProgressItem>, id: string): ProgressItem {
  const found = items.get(id);
  if (!found) throw new Error(`no ${id} item`);
  return found;
}

describe('cache stats: each line is coloured by the rule its threshold states', () => {
  it('fragmentation: over the threshold is never green; below 5 MiB used the line says it is not judged', () => {
    fc.assert(
      fc.property(info, thresholds, (i, t) => {
        const line = renderedLine(item(statsItems(i, { ...defaultThresholds, ...t }), 'fragmentation'));
        if (i.usedMemory < 5 * mib) {
          expect(line).toContain('not judged below 5 MiB used');
          expect(line).not.toContain(green);
        } else if (i.memFragmentationRatio > t.cacheFragmentationRatio) {
          expect(line).toContain(`&gt; ${t.cacheFragmentationRatio} warns`);
          expect(line).not.toContain(green);
        }
      }),
    );
  });

  it('memory: over its share of maxmemory is never green; without a maxmemory the line says it is not judged', () => {
    fc.assert(
      fc.property(info, thresholds, (i, t) => {
        const line = renderedLine(item(statsItems(i, { ...defaultThresholds, ...t }), 'memory'));
        if (i.maxMemory === 0) {
          expect(line).toContain('not judged without a maxmemory');
          expect(line).not.toContain(green);
        } else if ((i.usedMemory / i.maxMemory) * 100 > t.cacheMemoryPercent) {
          expect(line).toContain('of maxmemory warns');
          expect(line).not.toContain(green);
        }
      }),
    );
  });

  it('hit rate: under the threshold is never green; before any lookup the line says it is not judged', () => {
    fc.assert(
      fc.property(info, thresholds, (i, t) => {
        const line = renderedLine(item(statsItems(i, { ...defaultThresholds, ...t }), 'hit-rate'));
        const lookups = i.keyspaceHits + i.keyspaceMisses;
        if (lookups === 0) {
          expect(line).toContain('not judged before a lookup');
          expect(line).not.toContain(green);
        } else if (i.keyspaceHits / lookups < t.cacheHitRate) {
          expect(line).toContain('warns');
          expect(line).not.toContain(green);
        }
      }),
    );
  });
});

describe('the Redis line of health (and of the weekly digest): one verdict per rule', () => {
  function redisLine(i: CacheInfo, t: Thresholds): string {
    return renderedLine({ id: 'redis', title: 'Redis', ...assessCacheInfo(i, t) });
  }

  it('fragmentation: a green line never states a fragmentation threshold its value is over', () => {
    fc.assert(
      fc.property(info, thresholds, (i, t) => {
        const line = redisLine(i, { ...defaultThresholds, ...t });
        if (i.memFragmentationRatio > t.cacheFragmentationRatio && line.includes(green)) {
          expect(line).not.toContain(`fragmentation &gt; ${t.cacheFragmentationRatio} warns`);
          expect(line).toContain('fragmentation not judged below 5 MiB used');
        }
      }),
    );
  });

  it('memory: a green line never states a memory threshold its value is over', () => {
    fc.assert(
      fc.property(info, thresholds, (i, t) => {
        const line = redisLine(i, { ...defaultThresholds, ...t });
        const over = i.maxMemory > 0 && (i.usedMemory / i.maxMemory) * 100 > t.cacheMemoryPercent;
        if (over) expect(line).not.toContain(green);
        if (i.maxMemory === 0) expect(line).toContain('memory not judged without a maxmemory');
      }),
    );
  });

  it('the issue’s instance: fragmentation 6.74 on a nearly empty Redis says it is not judged', () => {
    const line = redisLine(
      {
        keyspaceHits: 0,
        keyspaceMisses: 0,
        usedMemory: 1.2 * mib,
        maxMemory: 0,
        memFragmentationRatio: 6.74,
        evictedKeys: 0,
        expiredKeys: 0,
      },
      defaultThresholds,
    );
    expect(line).toBe(
      ':large_green_circle: *Redis* — Redis answers PING (`PONG; memory 1.2 MiB; fragmentation 6.74; hit rate n/a`, ' +
        'threshold fragmentation not judged below 5 MiB used; memory not judged without a maxmemory)',
    );
  });
});
