// Health checks as a worker runs them, in a process of their own: fresh adapters, so no warm connections.
// argv: <ops config JSON file> <check ids, comma-separated, or "all">. Prints one JSON line: the wall time of the
// checks alone (module loading excluded) and the checks that errored.
import { readFileSync } from 'node:fs';
import { parseOpsConfig } from '../src/config/ops-config.js';
import { resolveTarget } from '../src/config/targets.js';
import { createInfra } from '../src/infra/infra.js';
import { healthChecks } from '../src/jobs/health/checks/index.js';
import { runHealthChecks } from '../src/jobs/health/run-checks.js';

const [configFile, which] = process.argv.slice(2);
if (!configFile || !which) throw new Error('usage: health-child <config.json> <check ids|all>');
const ids = which === 'all' ? undefined : new Set(which.split(','));
const checks = healthChecks.filter((c) => !ids || ids.has(c.id));
if (checks.length === 0) throw new Error(`no health check named ${which}`);
const config = parseOpsConfig(JSON.parse(readFileSync(configFile, 'utf8')));
const target = resolveTarget(config, 'thermaliq', 'production');
const infra = createInfra(target.env, { serviceKey: 'thermaliq', environment: 'production' });
try {
  const started = performance.now();
  const results = await runHealthChecks(
    checks,
    {
      serviceKey: 'thermaliq',
      command: target.service.command,
      environment: 'production',
      thresholds: target.thresholds,
      infra,
    },
    { timeoutMs: 10_000 },
  );
  const ms = performance.now() - started;
  const errors = results.filter((r) => r.status === 'error').map((r) => `${r.id}: ${r.summary}`);
  process.stdout.write(`${JSON.stringify({ ms, errors })}\n`);
} finally {
  await infra.close();
}
