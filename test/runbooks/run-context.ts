import pg from 'pg';
import { resolveTarget } from '../../src/config/targets.js';
import { createInfra, type Infra } from '../../src/infra/infra.js';
import type { Plan } from '../../src/jobs/plan.js';
import type { ProgressItem } from '../../src/jobs/report.js';
import type { Runbook, RunbookContext, RunTarget } from '../../src/jobs/runbook.js';
import type { World } from '../helpers/world.js';

/** A run's context on the world's production environment, with its own adapters (close them with `infra.close`). */
export function runContext(
  world: World,
  runId: string,
  adjust: (t: RunTarget) => RunTarget = (t) => t,
): RunbookContext {
  const target = adjust(resolveTarget(world.config, 'thermaliq', 'production'));
  const infra: Infra = createInfra(target.env, { serviceKey: 'thermaliq', environment: 'production' });
  return { runId, target, infra, signal: AbortSignal.timeout(120_000), checkTimeoutMs: 3000 };
}

/** What running the steps produced. */
export interface StepsResult {
  outputs: Record<string, unknown>;
  progress: ProgressItem[][];
  /** The steps that ran, in order. */
  ran: string[];
}

/**
 * Runs a runbook's steps in order as the executor does: each with its timeout, the outputs of the steps before it
 * (round-tripped through JSON like a checkpoint) and the approved plan. Throws the failing step's error.
 */
export async function runSteps<P>(
  runbook: Runbook<P>,
  ctx: RunbookContext,
  params: P,
  plan?: Plan,
  opts: { beforeStep?(name: string): void | Promise<void>; into?: StepsResult } = {},
): Promise<StepsResult> {
  const into = opts.into ?? { outputs: {}, progress: [], ran: [] };
  for (const step of runbook.steps) {
    await opts.beforeStep?.(step.name);
    into.ran.push(step.name);
    const output = await step.run({
      ...ctx,
      signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(step.timeoutMs)]),
      params,
      outputs: into.outputs,
      plan,
      progress: (items) => into.progress.push(items),
    });
    into.outputs[step.name] = JSON.parse(JSON.stringify(output ?? null));
  }
  return into;
}

/** Parses command words the way the command handler does. */
export function paramsOf<P>(runbook: Runbook<P>, args: string[], flags: Record<string, string | true> = {}): P {
  return runbook.params.parse(runbook.parseArgs(args, flags));
}

/** Runs SQL on a database with a short-lived connection. */
export async function sql<T extends pg.QueryResultRow = pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}
