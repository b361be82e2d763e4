import { z } from 'zod';
import { UserError } from '../../../errors.js';
import { countOf } from '../../../format/words.js';
import { parsePgUrl } from '../../../infra/pg-connection.js';
import { keptDatabases, reopenDatabase } from '../../../infra/pg-databases.js';
import { databaseFacts } from '../../../infra/pg-query.js';
import { scratchDatabaseName } from '../../../infra/pg-scratch.js';
import { formatBytes } from '../../health/checks/format.js';
import type { Plan } from '../../plan.js';
import type { Runbook, RunbookContext } from '../../runbook.js';
import { stepProgress } from '../../step-progress.js';
import { requireDatabaseUrl, requireKube } from '../backup/backup-context.js';
import { preRestoreKey } from '../backup/backup-names.js';
import { restoreExecution } from './restore.js';
import { replicasBeforeRestore, restoreReplicas } from './restore-deployment.js';
import { planRestore, planSteps, type RestoreMaterial } from './restore-plan.js';
import { verifyQueriesFor } from './verify-queries.js';

const runIdParam = z
  .string()
  .regex(/^r-[0-9a-f]{6,20}$/, { message: 'expected a run id such as r-0123456789 (the run that restored)' })
  .describe('the id of the run that restored, such as r-0123456789');

/** `restore rollback <run>`'s params. */
export interface RollbackParams {
  run: string;
}

/**
 * The rollback's plan: the database the restore kept is swapped back into production's name (seconds of downtime);
 * for an in-place restore, its pre-restore dump is restored in place.
 */
async function planRollback(ctx: RunbookContext, runId: string): Promise<Plan> {
  const url = requireDatabaseUrl(ctx.target);
  const conn = parsePgUrl(url);
  const kept = (await keptDatabases(url, conn.database, ctx.signal)).find(
    (d) => d.mark?.chatops === 'pre-restore' && d.mark.run === runId,
  );
  if (!kept) {
    const backups = ctx.infra.backups;
    const key = backups ? preRestoreKey(backups.prefix, runId) : undefined;
    if (backups && key && (await backups.head(key, { signal: ctx.signal }))) {
      return planRestore(ctx, key, { forceMode: 'in-place', rollbackOf: runId });
    }
    throw new UserError(
      'not_found',
      `Nothing to roll back for run ${runId}: no database kept before it on ${conn.host}, and no pre-restore dump of it. Nothing was changed.`,
    );
  }
  const kube = ctx.infra.kube;
  const [current, facts] = await Promise.all([
    kube?.readDeployment({ signal: ctx.signal }),
    databaseFacts(url, ctx.signal),
  ]);
  const replicas = current ? replicasBeforeRestore(current).replicas : 0;
  const material: RestoreMaterial = {
    mode: 'swap-back',
    backup: null,
    database: { host: facts.host, port: facts.port, name: facts.name },
    incoming: kept.name,
    keepAs: scratchDatabaseName(facts.name, ctx.runId, 'undone'),
    keepMark: 'rolled-back',
    deployment: kube && current ? { namespace: kube.namespace, name: kube.deployment, replicas } : null,
    verify: verifyQueriesFor(ctx.target.env),
    tables: [],
    rewrite: { stripClean: false, skipOwners: [], skipGrantees: [], schemasIfNotExists: false },
    drops: [],
    preRestoreKey: null,
    rollbackOf: runId,
  };
  return {
    summary: `Roll back restore ${runId}: put ${kept.name} back as ${facts.name} on ${facts.host}`,
    fields: [
      {
        label: 'Puts back',
        value: `${kept.name} · ${formatBytes(kept.sizeBytes ?? 0)} · kept at ${kept.mark?.at} before run ${runId}`,
      },
      { label: 'Production now', value: `${facts.name} · ${formatBytes(facts.sizeBytes)}: kept as ${material.keepAs}` },
      {
        label: 'Deployment',
        value: material.deployment
          ? `${material.deployment.namespace}/${material.deployment.name} → 0 during the cutover → ${replicas}`
          : 'None configured: stop the writers yourself before approving.',
      },
    ],
    steps: planSteps(material, null, facts.name),
    material,
  };
}

/** `restore rollback <run>`: undoes a restore. Destructive, so a second person approves its plan. */
export const restoreRollbackRunbook: Runbook<RollbackParams> = {
  name: 'restore rollback',
  summary: 'Undo a restore: swap the database it kept back into production (or restore its pre-restore dump)',
  usage: 'restore rollback <run-id> [--env NAME] [--dry-run]',
  examples: ['restore rollback r-0123456789'],
  ...restoreExecution,
  params: z.object({ run: runIdParam }).strict(),
  parseArgs(args, flags) {
    const [run, ...rest] = args;
    // A `--run` flag must not stand in for the run id (the positional word): it becomes a key the schema refuses.
    const { run: runFlag, ...others } = flags;
    return {
      run: run ?? '',
      ...(rest.length > 0 ? { unexpected: rest.join(' ') } : {}),
      ...(runFlag !== undefined ? { '--run': runFlag } : {}),
      ...others,
    };
  },
  async validate(ctx) {
    requireDatabaseUrl(ctx.target);
  },
  plan(ctx, p) {
    return planRollback(ctx, p.run);
  },
};

const scaleUpOutput = z.object({
  from: z.number(),
  to: z.number(),
  ready: z.number(),
  reopened: z.string().nullable().optional(),
});

/**
 * `restore scale-up`: brings the deployment back to the replicas a restore scaled it down from (the annotation the
 * restore left), e.g. after a failed cutover a person chose not to retry. A change, not destructive: it restores
 * what was approved before.
 */
export const restoreScaleUpRunbook: Runbook<Record<string, never>> = {
  name: 'restore scale-up',
  summary:
    'Scale the deployment back to the replicas a restore scaled it down from (and let its database take connections again)',
  usage: 'restore scale-up [--env NAME]',
  examples: ['restore scale-up'],
  risk: 'change',
  minRole: 'operator',
  params: z.object({}).strict(),
  parseArgs(args, flags) {
    return { ...(args.length > 0 ? { unexpected: args.join(' ') } : {}), ...flags };
  },
  initialProgress() {
    return stepProgress([{ name: 'scale-up', title: 'Scale back up' }]);
  },
  async validate(ctx) {
    const kube = requireKube(ctx);
    const d = await kube.readDeployment({ signal: ctx.signal });
    if (!replicasBeforeRestore(d).fromAnnotation) {
      throw new UserError(
        'conflict',
        `${kube.namespace}/${kube.deployment} is at ${countOf(d.replicas, 'replica')} and no restore left it scaled down; nothing to scale up. Use \`scale\` for other changes.`,
      );
    }
  },
  steps: [
    {
      name: 'scale-up',
      title: 'Scale back up',
      timeoutMs: 10 * 60_000,
      idempotent: true,
      async run(ctx) {
        const kube = requireKube(ctx);
        // A cutover interrupted between closing production and the renames leaves it refusing connections: the
        // application would come back to a database it cannot reach.
        const url = ctx.target.env.database?.url;
        const production = url ? parsePgUrl(url).database : null;
        const reopened = url && production && (await reopenDatabase(url, production, ctx.signal)) ? production : null;
        const d = await kube.readDeployment({ signal: ctx.signal });
        const { replicas } = replicasBeforeRestore(d);
        const ready = await restoreReplicas(kube, replicas, ctx.signal, (status) =>
          ctx.progress(stepProgress([{ name: 'scale-up', title: 'Scale back up' }], 'scale-up', status)),
        );
        return { from: d.replicas, to: replicas, ready, reopened };
      },
    },
  ],
  report(target, _p, outputs) {
    const o = scaleUpOutput.parse(outputs['scale-up']);
    return {
      status: 'ok',
      headline: `Scaled ${target.service.displayName} (${target.environment}) back up: ${o.from} → ${o.to} replicas, ${o.ready} ready${o.reopened ? `; database ${o.reopened} takes connections again` : ''}`,
      items: [{ id: 'scale-up', title: 'Scale back up', status: 'succeeded', value: `${o.from} → ${o.to}` }],
      details: [],
    };
  },
};
