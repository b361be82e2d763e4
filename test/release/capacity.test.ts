import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capacityConfigSchema } from '../../src/config/capacity-config.js';
import { replyText, runCount, runToEnd } from '../catalog-data/slack-output.js';
import { countColor, decodeRgba, pngHeader } from '../digests/png.js';
import { type Bot, createWorld, people, production, startBot, type World } from '../helpers/world.js';

const month = 30 * 86_400;
const monthlyQuery = 'sum(increase(thermaliq_calculation_requests_total[30d]))';
const sizeQuery = 'pg_database_size_bytes{datname="thermaliq"}';
const blue: [number, number, number] = [0x1f, 0x77, 0xb4];
const orange: [number, number, number] = [0xff, 0x7f, 0x0e];

// A year of traffic growing by about 150,000 requests a month, with noise that is not itself a trend.
const noise = [40_000, -25_000, 10_000, -60_000, 35_000, 5_000, -15_000, 50_000, -30_000, 20_000, -45_000, 15_000];
const lastAt = Math.floor(Date.now() / 86_400_000) * 86_400;
const history: Array<[number, number]> = noise.map((n, i) => [lastAt - (11 - i) * month, 2_000_000 + 150_000 * i + n]);

/** The least-squares line by the textbook's sums (the bot centres x; this does not), and its next months. */
function expectedForecast(points: Array<[number, number]>, horizon: number): number[] {
  const n = points.length;
  let sx = 0;
  let sy = 0;
  let sxy = 0;
  let sxx = 0;
  points.forEach(([, y], x) => {
    sx += x;
    sy += y;
    sxy += x * y;
    sxx += x * x;
  });
  const b = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  const a = (sy - b * sx) / n;
  return Array.from({ length: horizon }, (_, h) => a + b * (n + h));
}

const count = (v: number) => Math.round(v).toLocaleString('en-US');
const day = (t: number) => new Date(t * 1000).toISOString().slice(0, 10);

describe('capacity from Slack', () => {
  let world: World;
  let bot: Bot;

  beforeAll(async () => {
    world = await createWorld((cfg) => {
      production(cfg).capacity = capacityConfigSchema.parse({
        requestsPerPodPerSecond: 0.1,
        databaseSizeQuery: sizeQuery,
      });
    });
    bot = await startBot(world);
    world.prom.respond(monthlyQuery, { series: history });
    world.prom.respond(sizeQuery, {
      series: history.map(([t], i): [number, number] => [t, (10 + i) * 1024 ** 3]),
    });
    world.prom.respond(/container_cpu_usage_seconds_total.*\[10m\]/, 0.85);
    world.prom.respond('container_memory_working_set_bytes', 0.5);
  });
  afterAll(async () => {
    await bot?.stop();
    await world?.close();
  });

  it('forecasts the year by linear regression, in pods with the 30 % buffer, with a chart and the crossed thresholds', async () => {
    const before = world.slack.uploads().length;
    const out = await runToEnd(bot, world, 'capacity --months 12 --horizon 6', people.viewer);
    const forecast = expectedForecast(history, 6);
    const peak = forecast[5] ?? 0;
    const pods = (v: number) => Math.ceil((v / month / 0.1) * 1.3);
    expect(out.message).toContain(`${count(peak)} requests in month +6`);
    expect(out.message).toContain(`${pods(peak)} pods with 30 % buffer (${Math.ceil(peak / month / 0.1)} without)`);
    forecast.forEach((v, i) => {
      expect(out.thread).toContain(
        `month +${i + 1} (to ${day(lastAt + (i + 1) * month)}): ${count(v)} requests, ${pods(v)} pods with buffer`,
      );
    });
    // Growth: the mean of the month-over-month changes, as the THERMALIQ guide computes it.
    const changes = history.slice(1).map(([, y], i) => y / (history[i]?.[1] ?? 1) - 1);
    const growth = (changes.reduce((a, b) => a + b, 0) / changes.length) * 100;
    expect(out.message).toContain(`growth +${Number(growth.toFixed(2))} % per month`);
    // The database: its size now from pg_database_size, and its growth (1 GiB a month) from the configured query.
    expect(out.message).toContain('+1 GiB/month, ≈ 27 GiB in 6 months');
    expect(out.message).toMatch(/Database size[^"]*`\d+(\.\d+)? [KM]iB \(target_[0-9a-f]+, pg_database_size\)`/);
    // CPU (85 % of the limit) is crossed; memory, the connection pool and the cache hit rate (91 %) are not.
    expect(out.thread).toContain('CPU above 70 %: scale the application');
    expect(out.thread).not.toContain('memory above 80 %');
    expect(out.thread).not.toContain('cache hit rate below');
    expect(out.message).toContain('1 scaling threshold(s) crossed');
    expect(world.prom.queries).toContain(monthlyQuery);

    const file = world.slack
      .uploads()
      .slice(before)
      .find((u) => u.filename.startsWith('capacity-thermaliq-production-'));
    expect(file).toBeDefined();
    const png = file?.bytes ?? Buffer.alloc(0);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(pngHeader(png)).toMatchObject({ width: 1200, height: 600 });
    const image = decodeRgba(png);
    // The history is drawn in blue, the forecast in orange: both are in the plot.
    const plot = { x0: 60, y0: 30, x1: 1190, y1: 520 };
    expect(countColor(image, blue, plot, 16)).toBeGreaterThan(200);
    expect(countColor(image, orange, plot, 16)).toBeGreaterThan(100);
    // The forecast lies right of the history: no orange in the left half of the plot.
    expect(countColor(image, orange, { x0: 60, y0: 30, x1: 560, y1: 520 }, 16)).toBe(0);
  });

  it('says which thresholds are crossed when the cache misses and memory is tight', async () => {
    world.prom.respond('thermaliq_cache_hits_total', 0.55);
    world.prom.respond('container_memory_working_set_bytes', 0.9);
    try {
      const out = await runToEnd(bot, world, 'capacity', people.viewer);
      expect(out.thread).toContain('memory above 80 %: scale the application or raise the memory limit');
      expect(out.message).toContain('cache hit rate below 70 %: scale Redis, and run `tune cache`');
      expect(out.message).toContain('3 scaling threshold(s) crossed');
    } finally {
      world.prom.respond('thermaliq_cache_hits_total', 0.91);
      world.prom.respond('container_memory_working_set_bytes', 0.5);
    }
  });

  it('says when the size trend or the per-pod capacity is not configured, and still forecasts', async () => {
    const prod = production(world.config);
    const configured = prod.capacity;
    prod.capacity = capacityConfigSchema.parse({});
    try {
      const out = await runToEnd(bot, world, 'capacity --horizon 3', people.viewer);
      expect(out.message).toContain(
        'trend not measured: set services.thermaliq.environments.production.capacity.databaseSizeQuery',
      );
      expect(out.message).toContain(
        'per-pod capacity not configured: set services.thermaliq.environments.production.capacity.requestsPerPodPerSecond',
      );
      const forecast = expectedForecast(history, 3);
      expect(out.message).toContain(`${count(forecast[2] ?? 0)} requests in month +3`);
    } finally {
      prod.capacity = configured;
    }
  });

  it('reports a failing Prometheus as an error, with no forecast and no chart', async () => {
    world.prom.failWith('thermaliq_calculation_requests_total', 422, 'execution', 'too many samples');
    const before = world.slack.uploads().length;
    try {
      const out = await runToEnd(bot, world, 'capacity', people.viewer);
      expect(out.message).toContain('Prometheus query failed (execution): too many samples');
      expect(out.message).toContain('no traffic forecast');
      expect(
        world.slack
          .uploads()
          .slice(before)
          .filter((u) => u.filename.startsWith('capacity-')),
      ).toEqual([]);
    } finally {
      world.prom.clear();
      world.prom.respond(monthlyQuery, { series: history });
    }
  });

  it('refuses bad --months and --horizon, and an environment without Prometheus, before anything is asked', async () => {
    const runs = await runCount(bot);
    const queries = world.prom.queries.length;
    const cases: Array<[string, string]> = [
      ['capacity --months 2', '--months takes a whole number from 3 to 36; you gave "2".'],
      ['capacity --months 37', '--months takes a whole number from 3 to 36; you gave "37".'],
      ['capacity --months twelve', '--months takes a whole number from 3 to 36; you gave "twelve".'],
      ['capacity --months 1.5', '--months takes a whole number from 3 to 36; you gave "1.5".'],
      ['capacity --months', '--months needs a value.'],
      ['capacity --horizon 0', '--horizon takes a whole number from 1 to 24; you gave "0".'],
      ['capacity --horizon 25', '--horizon takes a whole number from 1 to 24; you gave "25".'],
      ['capacity 12', 'Extra word "12": capacity takes no words after its name.'],
      ['capacity --env staging', 'Prometheus is not configured for staging'],
    ];
    for (const [text, reason] of cases) {
      expect(await replyText(bot, text, people.viewer), text).toContain(reason);
    }
    expect(await runCount(bot)).toBe(runs);
    expect(world.prom.queries.length).toBe(queries);
  });
});
