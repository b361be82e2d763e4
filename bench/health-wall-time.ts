import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { URL } from 'node:url';
import { z } from 'zod';
import { healthChecks } from '../src/jobs/health/checks/index.js';
import { createWorld, production } from '../test/helpers/world.js';
import { startDelayProxy } from './delay-proxy.js';
import { runProcess } from './processes.js';
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

    const dir = mkdtempSync(join(tmpdir(), 'bench-health-'));
    const configFile = join(dir, 'ops.json');
    writeFileSync(configFile, JSON.stringify(world.config));
    // Baseline and subject each in a process of their own, timed inside it (module loading excluded).
    const measure = async (which: string) => {
      const out = await runProcess(process.execPath, ['--import', 'tsx', 'bench/health-child.ts', configFile, which]);
      const o = z
        .object({ ms: z.number(), errors: z.array(z.string()) })
        .parse(JSON.parse(out.trim().split('\n').at(-1) ?? '{}'));
      if (o.errors.length > 0) throw new Error(`checks errored: ${o.errors.join('; ')}`);
      return o.ms;
    };
    // Each check alone, one after another, as the guides' scripts do.
    const single: { id: string; ms: number }[] = [];
    for (const check of healthChecks) single.push({ id: check.id, ms: await measure(check.id) });
    const wall = await measure('all');
    rmSync(dir, { recursive: true, force: true });

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
