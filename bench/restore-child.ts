// One restore, as a worker runs it, in a process of its own: plan, then every step with the approved plan.
// argv: <ops config JSON file> <backup key> <side-by-side|in-place> <run id>. Prints one JSON line: the step outputs.
import { readFileSync } from 'node:fs';
import { parseOpsConfig } from '../src/config/ops-config.js';
import { resolveTarget } from '../src/config/targets.js';
import { createInfra } from '../src/infra/infra.js';
import { restoreRunbook } from '../src/jobs/runbooks/restore/restore.js';
import { paramsOf, runSteps } from '../test/runbooks/run-context.js';

const [configFile, key, modeArg, runId] = process.argv.slice(2);
const mode = (['side-by-side', 'in-place'] as const).find((m) => m === modeArg);
if (!configFile || !key || !mode || !runId) {
  throw new Error('usage: restore-child <config.json> <key> <side-by-side|in-place> <run id>');
}
const config = parseOpsConfig(JSON.parse(readFileSync(configFile, 'utf8')));
const resolved = resolveTarget(config, 'thermaliq', 'production');
const target = {
  ...resolved,
  env: {
    ...resolved.env,
    restore: { verify: [], preRestoreDump: false, keep: { count: 1, days: 7 }, ...resolved.env.restore, mode },
  },
};
const infra = createInfra(target.env, { serviceKey: 'thermaliq', environment: 'production' });
const ctx = { runId, target, infra, signal: AbortSignal.timeout(60 * 60_000), checkTimeoutMs: 10_000 };
const params = paramsOf(restoreRunbook, [key]);
try {
  const plan = await restoreRunbook.plan?.(ctx, params);
  const result = await runSteps(restoreRunbook, ctx, params, plan);
  process.stdout.write(`${JSON.stringify(result.outputs)}\n`);
} finally {
  await infra.close();
}
