import { URL } from 'node:url';
import { resolveTarget } from '../src/config/targets.js';
import { createInfra } from '../src/infra/infra.js';
import { healthChecks } from '../src/jobs/health/checks/index.js';
import { runHealthChecks } from '../src/jobs/health/run-checks.js';
import { createWorld, production } from '../test/helpers/world.js';
import { startDelayProxy } from './delay-proxy.js';
import { loadAverage, ms } from './stats.js';

const injectedMs = 200;

function hostPort(url: string): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port) };
}

/** Health runbook wall time with 200 ms injected into every check, against the slowest check and the guides' sum. */
export async function benchHealthWallTime(): Promise<{ ratio: number }> {
  const proxies: { close(): Promise<void> }[] = [];
  const delayed = async (url: string): Promise<number> => {
    const { host, port } = hostPort(url);
    const proxy = await startDelayProxy(host, port, injectedMs);
    proxies.push(proxy);
    return proxy.port;
  };
  const world = await createWorld();
  try {
    world.kube.latencyMs = injectedMs;
    world.prom.latencyMs = injectedMs;
    const prod = production(world.config);
    const db = new URL(prod.database?.url ?? '');
    db.port = String(await delayed(db.toString().replace(/^postgres/, 'http')));
    const cache = new URL(prod.cache?.url ?? '');
    cache.port = String(await delayed(cache.toString().replace(/^redis/, 'http')));
    const s3 = new URL(prod.backups?.endpoint ?? '');
    s3.port = String(await delayed(s3.toString()));
    const api = new URL(prod.healthUrl ?? '');
    api.port = String(await delayed(api.toString()));
    const tlsPort = await delayed(`http://127.0.0.1:${world.tls.port}`);
    prod.database = { url: db.toString() };
    prod.cache = { url: cache.toString(), keyPrefix: '' };
    if (prod.backups) prod.backups.endpoint = s3.toString().replace(/\/$/, '');
    prod.healthUrl = api.toString();
    prod.tlsEndpoints = [`127.0.0.1:${tlsPort}`];

    const target = resolveTarget(world.config, 'thermaliq', 'production');
    const base = { serviceKey: 'thermaliq', environment: 'production', thresholds: target.thresholds };
    const timeoutMs = 10_000;

    // Each check alone, one after another, as the guides' scripts do (fresh adapters, so no warm connections).
    const single: { id: string; ms: number }[] = [];
    for (const check of healthChecks) {
      const infra = createInfra(target.env, { serviceKey: 'thermaliq', environment: 'production' });
      const started = performance.now();
      await runHealthChecks([check], { ...base, infra }, { timeoutMs });
      single.push({ id: check.id, ms: performance.now() - started });
      await infra.close();
    }
    const infra = createInfra(target.env, { serviceKey: 'thermaliq', environment: 'production' });
    const started = performance.now();
    const results = await runHealthChecks(healthChecks, { ...base, infra }, { timeoutMs });
    const wall = performance.now() - started;
    await infra.close();

    const errors = results.filter((r) => r.status === 'error');
    if (errors.length > 0) throw new Error(`checks errored: ${errors.map((e) => `${e.id}: ${e.summary}`).join('; ')}`);
    const slowest = single.reduce((a, b) => (b.ms > a.ms ? b : a));
    const sum = single.reduce((a, b) => a + b.ms, 0);
    const ratio = wall / slowest.ms;
    console.log(
      `health wall time: ${healthChecks.length} checks, ${injectedMs} ms injected into each (${loadAverage()})`,
    );
    console.log(`  slowest single check   ${ms(slowest.ms).padStart(10)}  (${slowest.id})`);
    console.log(`  guides' sequential sum ${ms(sum).padStart(10)}`);
    console.log(`  health runbook         ${ms(wall).padStart(10)}`);
    console.log(
      `  ratio runbook/slowest: ${ratio.toFixed(2)}× (target ≤ 1.3×); sequential/runbook ${(sum / wall).toFixed(1)}×  (${loadAverage()})`,
    );
    return { ratio };
  } finally {
    for (const p of proxies) await p.close();
    await world.close();
  }
}
