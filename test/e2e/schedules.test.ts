import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseOpsConfig } from '../../src/config/ops-config.js';
import { createQueueBackend, type RunQueue } from '../../src/jobs/queue.js';
import { syncSchedules } from '../../src/jobs/schedules.js';
import { createLogger } from '../../src/log.js';
import { type Bot, channels, createWorld, startBot, type World } from '../helpers/world.js';
import { redisUrl, uniquePrefix, waitUntil } from '../support/services.js';

/** A 6-field cron that fires once, `secondsFromNow` from now (its next match is a year later). */
function onceAt(date: Date): string {
  return `${date.getUTCSeconds()} ${date.getUTCMinutes()} ${date.getUTCHours()} ${date.getUTCDate()} ${date.getUTCMonth() + 1} *`;
}

const scheduledPosts = (w: World, name: string) =>
  w.slack.callsOf('chat.postMessage').filter((c) => JSON.stringify(c.body).includes(`Scheduled (${name})`));

describe('schedules', () => {
  describe('ticks with two workers running', () => {
    let world: World;
    let a: Bot;
    let b: Bot;
    beforeAll(async () => {
      world = await createWorld((cfg) => {
        cfg.schedules = [
          {
            name: 'every-2s',
            cron: '*/2 * * * * *',
            tz: 'UTC',
            run: 'health',
            service: 'thermaliq',
            channel: channels.ops,
            quiet: false,
          },
          {
            name: 'quiet-ok',
            cron: '*/2 * * * * *',
            tz: 'UTC',
            run: 'health',
            service: 'thermaliq',
            channel: channels.ops,
            quiet: true,
          },
        ];
      });
      a = await startBot(world);
      b = await startBot(world, { role: 'worker' });
    });
    afterAll(async () => {
      await b?.stop();
      await a?.stop();
      await world?.close();
    });

    it('posts exactly one report per tick, however many workers run', async () => {
      await waitUntil(
        async () => {
          const rows = await a.query<{ n: string }>(
            "SELECT count(*) AS n FROM runs WHERE schedule_name = 'every-2s' AND status = 'succeeded' AND reported_at IS NOT NULL",
          );
          return Number(rows[0]?.n) >= 2;
        },
        { timeoutMs: 20_000, description: 'two ticks' },
      );
      const runs = await a.query<{ id: string; scheduled_for: Date; status: string; requested_by: string }>(
        "SELECT id, scheduled_for, status, requested_by FROM runs WHERE schedule_name = 'every-2s' AND status = 'succeeded' AND reported_at IS NOT NULL",
      );
      // One run per tick, and one message per run: no tick ran twice.
      expect(new Set(runs.map((r) => r.scheduled_for.getTime())).size).toBe(runs.length);
      for (const run of runs) {
        expect(run.requested_by).toBe('schedule:every-2s');
        expect(
          world.slack.callsOf('chat.postMessage').filter((c) => JSON.stringify(c.body).includes(run.id)),
        ).toHaveLength(1);
      }
      // A scheduled report is posted once, final; no live progress message first.
      const posts = scheduledPosts(world, 'every-2s');
      expect(JSON.stringify(posts[0]?.body)).not.toContain(':arrows_counterclockwise:');
    });

    it('stays quiet when everything is ok, and posts when something warns', async () => {
      await waitUntil(
        async () => {
          const rows = await a.query<{ n: string }>(
            "SELECT count(*) AS n FROM runs WHERE schedule_name = 'quiet-ok' AND status = 'succeeded'",
          );
          return Number(rows[0]?.n) >= 1;
        },
        { timeoutMs: 20_000, description: 'a quiet tick' },
      );
      expect(scheduledPosts(world, 'quiet-ok')).toHaveLength(0);
      world.prom.respond('thermaliq_calculation_errors_total', 0.05);
      try {
        await waitUntil(() => scheduledPosts(world, 'quiet-ok').length >= 1, {
          timeoutMs: 20_000,
          description: 'a warning digest',
        });
        expect(JSON.stringify(scheduledPosts(world, 'quiet-ok')[0]?.body)).toMatch(
          /:large_yellow_circle:|:red_circle:/,
        );
      } finally {
        world.prom.respond('thermaliq_calculation_errors_total', 0.002);
      }
    });
  });

  describe('a tick missed while every instance was down', () => {
    let world: World;
    let botOnly: Bot;
    let worker: Bot | undefined;
    let fireAt = new Date();
    beforeAll(async () => {
      // Far enough ahead that the scheduler is upserted before it; the bot starts within a couple of seconds.
      fireAt = new Date(Date.now() + 6_000);
      world = await createWorld((cfg) => {
        cfg.schedules = [
          {
            name: 'missed',
            cron: onceAt(fireAt),
            tz: 'UTC',
            run: 'health',
            service: 'thermaliq',
            channel: channels.ops,
            quiet: false,
          },
        ];
      });
      // Only a bot: it upserts the scheduler, but nothing processes the tick.
      botOnly = await startBot(world, { role: 'bot' });
    });
    afterAll(async () => {
      await worker?.stop();
      await botOnly?.stop();
      await world?.close();
    });

    it('is posted late once, marked as late, when a worker comes back', async () => {
      await waitUntil(() => Date.now() > fireAt.getTime() + 1_500, {
        timeoutMs: 15_000,
        intervalMs: 100,
        description: 'the missed tick',
      });
      expect(scheduledPosts(world, 'missed')).toHaveLength(0);
      worker = await startBot(world, { role: 'worker', env: { SCHEDULE_LATE_AFTER_MS: '500' } });
      await waitUntil(() => scheduledPosts(world, 'missed').length >= 1, {
        timeoutMs: 20_000,
        description: 'the late digest',
      });
      expect(JSON.stringify(scheduledPosts(world, 'missed')[0]?.body)).toContain('Late: scheduled for');
      const runs = await botOnly.query<{ late: boolean }>("SELECT late FROM runs WHERE schedule_name = 'missed'");
      expect(runs).toEqual([{ late: true }]);
    });
  });

  describe('boot-time sync', () => {
    let queue: RunQueue;
    const base = {
      services: { svc: { command: '/svc', displayName: 'Svc', environments: { production: {} } } },
      roles: { viewer: ['*'] },
      channels: { allowed: ['*'] },
    };
    const log = createLogger('silent');
    beforeAll(() => {
      queue = createQueueBackend(
        'sched',
        { kind: 'redis', url: redisUrl(), prefix: uniquePrefix('sched') },
        { completed: 10, failed: 10, ageSeconds: 60 },
      ).createQueue();
    });
    afterEach(async () => {
      for (const s of await queue.listSchedules()) await queue.removeSchedule(s.id);
    });
    afterAll(() => queue.close());

    const config = (schedules: { name: string; cron: string; channel?: string }[]) =>
      parseOpsConfig({
        ...base,
        schedules: schedules.map((s) => ({ run: 'health', service: 'svc', channel: 'COPS0001', ...s })),
      });

    it('upserts, updates and removes schedulers to match the config', async () => {
      await syncSchedules(
        queue,
        config([
          { name: 'a', cron: '0 9 * * *' },
          { name: 'b', cron: '0 2 * * 0' },
        ]),
        log,
      );
      expect((await queue.listSchedules()).map((s) => [s.id, s.pattern]).sort()).toEqual([
        ['sched-a', '0 9 * * *'],
        ['sched-b', '0 2 * * 0'],
      ]);
      await syncSchedules(
        queue,
        config([
          { name: 'a', cron: '30 9 * * *' },
          { name: 'c', cron: '0 2 * * 0#1' },
        ]),
        log,
      );
      expect((await queue.listSchedules()).map((s) => [s.id, s.pattern]).sort()).toEqual([
        ['sched-a', '30 9 * * *'],
        ['sched-c', '0 2 * * 0#1'],
      ]);
    });

    it('leaves exactly one scheduler each when several instances boot at once', async () => {
      const cfg = config([
        { name: 'x', cron: '0 9 * * *' },
        { name: 'y', cron: '0 2 * * 0' },
      ]);
      await Promise.all(Array.from({ length: 5 }, () => syncSchedules(queue, cfg, log)));
      expect((await queue.listSchedules()).map((s) => s.id).sort()).toEqual(['sched-x', 'sched-y']);
    });

    it('rejects a bad cron or time zone with the exact YAML path', () => {
      expect(() => config([{ name: 'bad', cron: 'every day' }])).toThrow(
        /schedules\.0\.cron: expected a cron expression/,
      );
      expect(() =>
        parseOpsConfig({
          ...base,
          schedules: [{ name: 'z', cron: '0 9 * * *', tz: 'Mars/Base', run: 'health', service: 'svc' }],
        }),
      ).toThrow(/schedules\.0\.tz: expected an IANA time zone/);
    });
  });
});
