import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderRunReport } from '../../src/bot/views/run-message.js';
import type { SeriesPoint } from '../../src/charts/anomalies.js';
import type { RunRef } from '../../src/jobs/report.js';
import type { RunbookContext, RunTarget } from '../../src/jobs/runbook.js';
import { digestWeeklyRunbook } from '../../src/jobs/runbooks/digest/digest-weekly.js';
import { createWorld, type World } from '../helpers/world.js';
import { runContext, runSteps, sql } from '../runbooks/run-context.js';
import { closedPort, waitUntil } from '../support/services.js';
import { countColor, decodeRgba, pngHeader } from './png.js';

const trendQuery = 'histogram_quantile(0.95, sum by (le) (rate(thermaliq_calculation_duration_seconds_bucket[1h])))';
const red: [number, number, number] = [0xd6, 0x27, 0x28];
const messageRef: RunRef = {
  runId: 'r-weekly-ok',
  runbook: 'digest weekly',
  service: 'thermaliq',
  serviceName: 'GL-009 THERMALIQ',
  environment: 'production',
  requestedBy: 'schedule:weekly',
  channelId: 'COPS0001',
};
/** The SLO line's colour (trendColours in the chart's spec). */
const purple: [number, number, number] = [0x94, 0x67, 0xbd];

/** 169 hourly points up to the current hour, around 3 s, with optional spikes by index. */
function week(spikes: Record<number, number> = {}): SeriesPoint[] {
  const end = Math.floor(Date.now() / 3_600_000) * 3600;
  return Array.from(
    { length: 169 },
    (_, i): SeriesPoint => [end - (168 - i) * 3600, spikes[i] ?? 3 + 0.25 * Math.sin(i / 5)],
  );
}

function utcHour(t: number): string {
  return `${new Date(t * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

// The world's Redis is shared with every other test: its server-wide fragmentation is not this digest's business.
function calmCache(t: RunTarget): RunTarget {
  return { ...t, thresholds: { ...t.thresholds, cacheFragmentationRatio: 1000, cacheMemoryPercent: 100 } };
}

describe('digest weekly', () => {
  let world: World;
  const contexts: RunbookContext[] = [];

  beforeAll(async () => {
    world = await createWorld();
  });
  afterAll(async () => {
    for (const c of contexts) await c.infra.close();
    await world.close();
  });

  async function digest(runId: string, adjust: (t: RunTarget) => RunTarget = calmCache) {
    const ctx = runContext(world, runId, adjust);
    contexts.push(ctx);
    const { outputs } = await runSteps(digestWeeklyRunbook, ctx, {});
    return digestWeeklyRunbook.report(ctx.target, {}, outputs);
  }

  it('on a healthy target: tables, backups, cache, certificates and the trend, with the chart attached', async () => {
    const points = week({ 120: 14 });
    world.prom.respond(trendQuery, { series: points });
    const report = await digest('r-weekly-ok');
    expect(report.items.map((i) => [i.id, i.status])).toEqual([
      ['db-stats', 'ok'],
      ['backups', 'ok'],
      ['cache-stats', 'ok'],
      ['certificates', 'ok'],
      ['latency-trend', 'ok'],
    ]);
    expect(report.status).toBe('ok');
    expect(report.headline).toBe('Weekly digest of GL-009 THERMALIQ (production): 5 ok');
    const byId = new Map(report.items.map((i) => [i.id, i]));
    expect(byId.get('db-stats')?.value).toBe('0 dead tuples (0 %), 0 tables need vacuum');
    expect(byId.get('backups')?.value).toMatch(/^1 backup, 12 B; newest just now$/);
    expect(byId.get('cache-stats')?.value).toMatch(/^hit rate .+, memory .+, fragmentation [\d.]+, [\d,]+ evictions?$/);
    expect(byId.get('latency-trend')?.value).toMatch(/^mean 3\.\d+ s, max 14 s, 1 anomaly$/);
    // Each line says its value once (issue 13: "0 dead tuples (0 %), … (0 dead tuples (0 %), …)").
    const message = JSON.stringify(renderRunReport(messageRef, report).blocks);
    for (const i of report.items) {
      if (i.value !== undefined) expect(message.split(i.value).length - 1, i.id).toBe(1);
    }

    // The anomaly is exactly the spike the fake Prometheus served, and the query was the hourly p95 over the week.
    const trendDetail = report.details.find((d) => d.title.startsWith('p95 latency trend'));
    const spikeAt = points[120]?.[0] ?? 0;
    expect(trendDetail?.lines.filter((l) => l.startsWith('anomaly'))).toEqual([`anomaly · ${utcHour(spikeAt)} · 14 s`]);
    expect(trendDetail?.lines[0]).toBe(
      `169 hourly points from ${utcHour(points[0]?.[0] ?? 0)} to ${utcHour(spikeAt + 48 * 3600)}`,
    );
    expect(world.prom.queries).toContain(trendQuery);

    expect(report.files).toHaveLength(1);
    const file = report.files?.[0];
    expect(file).toMatchObject({
      encoding: 'base64',
      filename: expect.stringMatching(/^latency-p95-7d-thermaliq-production-\d{8}\.png$/),
    });
    const png = Buffer.from(file?.content ?? '', 'base64');
    expect(pngHeader(png)).toMatchObject({ width: 1200, height: 600 });
    const image = decodeRgba(png);
    expect(countColor(image, red, { x0: 60, y0: 24, x1: 950, y1: 560 })).toBeGreaterThan(30);
  });

  it('warns when the p95 went above the latency threshold, and draws that line', async () => {
    world.prom.respond(trendQuery, { series: week({ 30: 24, 31: 26 }) });
    const report = await digest('r-weekly-slow');
    const trend = report.items.find((i) => i.id === 'latency-trend');
    expect(trend).toMatchObject({ status: 'warn', summary: 'p95 above 20 s in 2 of 169 hours (max 26 s)' });
    expect(report.status).toBe('warn');
  });

  it('draws the SLO line on a calm week too, far below it (the legend names it)', async () => {
    // Around 3 s all week, against THERMALIQ's 20 s objective.
    world.prom.respond(trendQuery, { series: week() });
    const report = await digest('r-weekly-calm');
    expect(report.items.find((i) => i.id === 'latency-trend')?.status).toBe('ok');
    const image = decodeRgba(Buffer.from(report.files?.[0]?.content ?? '', 'base64'));
    // A dashed rule across the plot area: over a thousand pixels, where the legend's swatch would be under a hundred.
    // It lies on the plot's top edge (20 s is the axis' top), blended with the frame: hence the wider tolerance.
    expect(countColor(image, purple, { x0: 60, y0: 24, x1: 1190, y1: 540 }, 40)).toBeGreaterThan(600);
  });

  it('says what failed: a table needing vacuum, Redis down, Prometheus failing, and never throws', async () => {
    await sql(
      world.target.url,
      `CREATE TABLE calculations (id int) WITH (autovacuum_enabled = false);
       INSERT INTO calculations SELECT generate_series(1, 2000);
       DELETE FROM calculations WHERE id > 200;`,
    );
    // Statistics reach pg_stat_user_tables when the writing session flushes them; wait for that, bounded.
    await waitUntil(
      async () =>
        Number(
          (
            await sql<{ n: string }>(
              world.target.url,
              `SELECT n_dead_tup AS n FROM pg_stat_user_tables WHERE relname = 'calculations'`,
            )
          )[0]?.n ?? 0,
        ) === 1800,
      { description: 'dead tuples of calculations in pg_stat_user_tables', timeoutMs: 10_000 },
    );
    world.prom.failWith(trendQuery);
    const port = await closedPort();
    const report = await digest('r-weekly-bad', (t) =>
      calmCache({ ...t, env: { ...t.env, cache: { url: `redis://127.0.0.1:${port}/0`, keyPrefix: '' } } }),
    );
    const byId = new Map(report.items.map((i) => [i.id, i]));
    expect(byId.get('db-stats')).toMatchObject({
      status: 'warn',
      value: '1,800 dead tuples (90 %), 1 table needs vacuum',
      summary: '1 table needs vacuum: public.calculations',
    });
    expect(byId.get('cache-stats')).toMatchObject({ status: 'fail', value: 'no answer' });
    expect(byId.get('cache-stats')?.summary).toMatch(new RegExp(`127\\.0\\.0\\.1:${port}`));
    expect(byId.get('latency-trend')).toMatchObject({ status: 'error' });
    expect(byId.get('latency-trend')?.summary).toMatch(/Prometheus query failed/);
    expect(byId.get('backups')?.status).toBe('ok');
    expect(report.status).toBe('fail');
    expect(report.headline).toMatch(/: 1 fail, 1 error, 1 warn, 2 ok$/);
    expect(report.files).toBeUndefined();
    const vacuum = report.details.find((d) => d.title.startsWith('Database tables'));
    expect(vacuum?.lines[1]).toMatch(
      /^needs vacuum · public\.calculations · live 200 · dead 1,800 \(90 %\) · vacuum never/,
    );
  });
});
