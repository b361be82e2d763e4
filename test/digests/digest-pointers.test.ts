import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runToEnd } from '../catalog-data/slack-output.js';
import { type Bot, createWorld, people, startBot, type World } from '../helpers/world.js';

const thisMonth = /^sum\(increase\(thermaliq_calculation_requests_total\[30d\]\)\)$/;
const monthBefore = /^sum\(increase\(thermaliq_calculation_requests_total\[30d\] offset 30d\)\)$/;
const cpuUsed = /container_cpu_usage_seconds_total.*\[30d\]/;
const cpuRequested = 'kube_pod_container_resource_requests{resource="cpu"';

describe('the digests point at capacity and tune where their thresholds are crossed', () => {
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

  it('monthly: traffic growth and CPU point at capacity, a low cache hit rate at tune cache', async () => {
    world.prom.respond(thisMonth, 1_300_000);
    world.prom.respond(monthBefore, 1_000_000);
    world.prom.respond(cpuUsed, 3.4);
    world.prom.respond(cpuRequested, 4);
    world.prom.respond('thermaliq_cache_hits_total', 0.55);
    const out = await runToEnd(bot, world, 'digest monthly', people.viewer);
    expect(out.message).toContain('Next steps');
    expect(out.message).toContain('Traffic grew 30 % against the 30 days before — run `/thermaliq capacity`');
    expect(out.message).toContain('CPU used 85 % of requested over 30 days — run `/thermaliq capacity`');
    expect(out.message).toContain('Cache hit rate 55 % over 30d is below 70 % — run `/thermaliq tune cache`');
    expect(world.prom.queries).toContain(
      'sum(rate(thermaliq_cache_hits_total[30d])) / (sum(rate(thermaliq_cache_hits_total[30d])) + sum(rate(thermaliq_cache_misses_total[30d])))',
    );
  });

  it('monthly: no pointer when traffic grew less than 20 %, CPU is under 70 % and the cache hits', async () => {
    world.prom.respond(thisMonth, 1_150_000);
    world.prom.respond(cpuUsed, 1.2);
    world.prom.respond('thermaliq_cache_hits_total', 0.91);
    const out = await runToEnd(bot, world, 'digest monthly', people.viewer);
    expect(out.message).not.toContain('Next steps');
    expect(out.message).not.toContain('run `/thermaliq capacity`');
  });

  it('weekly: a cache hit rate below 70 % over the week points at tune cache, and only then', async () => {
    world.prom.respond('thermaliq_cache_hits_total', 0.62);
    const low = await runToEnd(bot, world, 'digest weekly', people.viewer);
    expect(low.message).toContain('Cache hit rate 62 % over 7d is below 70 % — run `/thermaliq tune cache`');
    world.prom.respond('thermaliq_cache_hits_total', 0.91);
    const fine = await runToEnd(bot, world, 'digest weekly', people.viewer);
    expect(fine.message).not.toContain('tune cache');
  });
});
