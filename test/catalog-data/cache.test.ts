import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cachePurgeRunbook } from '../../src/jobs/runbooks/cache/cache-purge.js';
import { type Bot, cacheClient, createWorld, people, production, startBot, type World } from '../helpers/world.js';
import { runContext, runSteps } from '../runbooks/run-context.js';
import { uniquePrefix, waitUntil } from '../support/services.js';
import { replyText, runCount, runToEnd } from './slack-output.js';

describe('cache runbooks through /thermaliq', () => {
  let world: World;
  let bot: Bot;
  let redis: Redis;
  // A prefix of its own, so another test file sharing this Redis database cannot change the counts.
  const prefix = `${uniquePrefix('tq')}:`;

  /** TTLs of the keys matching a pattern under our prefix. */
  async function ttls(pattern: string): Promise<number[]> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, page] = await redis.scan(cursor, 'MATCH', `${prefix}${pattern}`, 'COUNT', 1000);
      keys.push(...page);
      cursor = next;
    } while (cursor !== '0');
    const pipeline = redis.pipeline();
    for (const k of keys) pipeline.ttl(k);
    return ((await pipeline.exec()) ?? []).map(([, ttl]) => Number(ttl));
  }

  beforeAll(async () => {
    world = await createWorld((cfg) => {
      const env = production(cfg);
      env.cache = { url: env.cache?.url ?? '', keyPrefix: prefix };
      // High enough that `cache purge` without --force finds nothing to do here.
      const svc = cfg.services.thermaliq;
      if (svc) svc.thresholds = { ...svc.thresholds, cacheFragmentationRatio: 1000 };
    });
    redis = cacheClient(world);
    await redis.connect();
    const seed = redis.pipeline();
    for (let i = 0; i < 1200; i++) seed.set(`${prefix}calculation:${i}`, 'result');
    for (let i = 0; i < 20; i++) seed.set(`${prefix}facility:${i}`, 'profile');
    for (let i = 0; i < 30; i++) seed.set(`${prefix}session:${i}`, 'user', 'EX', 600);
    // The application gave this one a TTL: set-ttl must not replace it.
    seed.set(`${prefix}calculation:keep`, 'result', 'EX', 100);
    // Outside the environment's prefix: never counted, never touched.
    for (let i = 0; i < 15; i++) seed.set(`other-${prefix}calculation:${i}`, 'x');
    await seed.exec();
    bot = await startBot(world);
  });
  afterAll(async () => {
    await bot?.stop();
    if (redis) {
      const keys = [...(await redis.keys(`${prefix}*`)), ...(await redis.keys(`other-${prefix}*`))];
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    }
    await world?.close();
  });

  it('refuses a pattern without 2 literal characters, and negative, huge or malformed TTLs; nothing runs', async () => {
    const before = await runCount(bot);
    expect(await replyText(bot, 'cache set-ttl * 60', people.operator)).toContain(
      '<pattern>: the pattern must name at least 2 literal characters',
    );
    expect(await replyText(bot, 'cache set-ttl a* 60', people.operator)).toContain('at least 2 literal characters');
    for (const bad of ['-5', '0', '99999999999', '31536001', '1e3', '10.5', '60s']) {
      expect(await replyText(bot, `cache set-ttl calculation:* ${bad}`, people.operator)).toContain(
        `<seconds> must be a whole number of seconds from 1 to 31,536,000 (one year); you gave "${bad}"`,
      );
    }
    expect(await replyText(bot, 'cache set-ttl "calc?[x]" 60', people.operator)).toContain(
      '<pattern> must be a key pattern of letters, digits',
    );
    expect(await replyText(bot, 'cache set-ttl calculation:*', people.operator)).toContain(
      'cache set-ttl needs <seconds>',
    );
    expect(await replyText(bot, 'cache set-ttl calculation:* 60', people.viewer)).toContain(
      'cache set-ttl needs the operator role',
    );
    expect(await runCount(bot)).toBe(before);
    expect((await ttls('calculation:*')).filter((t) => t === -1)).toHaveLength(1200);
  });

  it('cache stats: hit rate, memory, fragmentation, policy, evicted and expired keys with thresholds', async () => {
    const out = await runToEnd(bot, world, 'cache stats', people.viewer);
    for (const title of [
      'Hit rate',
      'Memory',
      'Fragmentation ratio',
      'Eviction policy',
      'Evicted keys',
      'Expired keys',
    ]) {
      expect(out.message).toContain(`*${title}*`);
    }
    expect(out.message).toContain('threshold &lt; 70 % warns');
    // The shared test Redis may hold less than the 5 MiB from which fragmentation is judged; the line says which.
    expect(out.message).toMatch(
      /Fragmentation ratio\* — .*threshold (&gt; 1000 warns \(then: cache purge\)|not judged below 5 MiB used)\)/,
    );
    expect(out.message).toMatch(/Eviction policy\* — .*\(`noeviction`, threshold recommended allkeys-lru\)/);
    expect(out.thread).toMatch(/mem_fragmentation_ratio [\d.]+ · mem_allocator/);
  });

  it('cache ttl-audit: keys without a TTL within the prefix, grouped, with samples', async () => {
    const out = await runToEnd(bot, world, 'cache ttl-audit', people.viewer);
    expect(out.message).toContain(`1,220 keys without a TTL among all 1,251 keys matching ${prefix}*`);
    expect(out.message).toContain(`*${prefix}calculation:* — e.g. ${prefix}calculation:`);
    expect(out.message).toMatch(/calculation:\* — e\.g\. [^(]+\(`1,200 without a TTL`\)/);
    expect(out.message).toMatch(/facility:\* — e\.g\. [^(]+\(`20 without a TTL`\)/);
    expect(out.message).not.toContain('session:');
    expect(out.message).not.toContain(`other-${prefix}`);
    expect(out.thread).toContain(`${prefix}calculation: · 1,200 · e.g. `);
    // Bounded: a small budget stops early and says so.
    const partial = await runToEnd(bot, world, 'cache ttl-audit calculation:* --max-keys 100', people.viewer);
    expect(partial.message).toContain(
      `among the first 100 keys matching ${prefix}calculation:* (stopped by the keys bound)`,
    );
    expect(partial.message).toContain('partial: raise --max-keys or narrow the pattern');
  });

  it('cache set-ttl: EXPIRE NX on the keys without a TTL only, and the count reaches Slack', async () => {
    const out = await runToEnd(bot, world, 'cache set-ttl calculation:* 86400', people.operator);
    expect(out.message).toContain(
      `Set a TTL of 86400 s on 1,200 keys matching ${prefix}calculation:* in the cache of GL-009 THERMALIQ (production); 1 already had one`,
    );
    const calc = await ttls('calculation:*');
    expect(calc).toHaveLength(1201);
    expect(calc.filter((t) => t > 86_000 && t <= 86_400)).toHaveLength(1200);
    // The application's own TTL was kept, and nothing outside the pattern or the prefix was touched.
    expect(await redis.ttl(`${prefix}calculation:keep`)).toBeLessThanOrEqual(100);
    expect((await ttls('facility:*')).every((t) => t === -1)).toBe(true);
    expect(await redis.ttl(`other-${prefix}calculation:3`)).toBe(-1);
    // A second run finds nothing left to set.
    const again = await runToEnd(bot, world, 'cache set-ttl calculation:* 86400', people.operator);
    expect(again.message).toContain('on 0 keys');
  });

  it('cache purge: not needed below the threshold; --force sends MEMORY PURGE to Redis', async () => {
    const skipped = await runToEnd(bot, world, 'cache purge', people.operator);
    expect(skipped.message).toMatch(
      /MEMORY PURGE not needed on the cache of GL-009 THERMALIQ \(production\): fragmentation ratio [\d.]+ is not above 1000/,
    );

    const monitor = await cacheClient(world).monitor();
    const seen: string[][] = [];
    monitor.on('monitor', (_time: string, args: string[]) => seen.push(args));
    try {
      const forced = await runToEnd(bot, world, 'cache purge --force', people.operator);
      expect(forced.message).toMatch(
        /MEMORY PURGE ran on the cache of GL-009 THERMALIQ \(production\) \(forced\): fragmentation [\d.]+ → [\d.]+/,
      );
      await waitUntil(() => seen.some((a) => a[0]?.toLowerCase() === 'memory' && a[1]?.toLowerCase() === 'purge'), {
        description: 'MEMORY PURGE to reach Redis',
      });
    } finally {
      monitor.disconnect();
    }
  });

  it('cache purge runs MEMORY PURGE unforced when fragmentation is above the threshold', async () => {
    const ctx = runContext(world, 'r-purge-needed', (t) => ({
      ...t,
      thresholds: { ...t.thresholds, cacheFragmentationRatio: 0.01 },
    }));
    try {
      const result = await runSteps(cachePurgeRunbook, ctx, { force: false });
      expect(result.outputs.purge).toMatchObject({ purged: true, forced: false, threshold: 0.01 });
      const report = cachePurgeRunbook.report(ctx.target, { force: false }, result.outputs);
      expect(report.headline).toMatch(
        /^MEMORY PURGE ran on the cache of GL-009 THERMALIQ \(production\): fragmentation/,
      );
    } finally {
      await ctx.infra.close();
    }
  });
});
