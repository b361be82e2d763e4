import { z } from 'zod';
import type { TuningConfig } from '../../../config/tuning-config.js';
import { UserError } from '../../../errors.js';
import { type ContainerEnv, createDeploymentEnv } from '../../../infra/kube-deployment-env.js';
import { parseQuantity } from '../../../infra/kube-quantity.js';
import { waitForRollout } from '../../../infra/kube-rollout-status.js';
import { formatSeconds } from '../../health/checks/format.js';
import type { Plan } from '../../plan.js';
import type { ProgressItem } from '../../report.js';
import type { Runbook, RunbookContext, RunTarget } from '../../runbook.js';
import { stepProgress } from '../../step-progress.js';
import { stepSkipped } from '../../step-skipped.js';
import { environmentPath, isProduction, kubeNotConfigured, leftovers, requireWorkloads } from './k8s-context.js';

const params = z.object({ apply: z.boolean({ message: '--apply takes no value' }).default(false) }).strict();
type TuneWorkersParams = z.infer<typeof params>;

const steps = [
  { name: 'tune', title: 'Compare the env with (cores × 2) + 1' },
  { name: 'rollout', title: 'Wait for the rollout' },
] as const;

const varRow = z.object({ name: z.string(), now: z.string().nullable(), recommended: z.string() });
const analysis = z.object({
  deployment: z.string(),
  container: z.string(),
  cpu: z.string(),
  cpuFrom: z.enum(['limit', 'request']),
  cores: z.number(),
  workers: z.number(),
  vars: z.array(varRow),
});
type Analysis = z.infer<typeof analysis>;
const tuneOutput = analysis.extend({ applied: z.boolean(), generation: z.number(), at: z.string() });
const rolloutOutput = z.object({ replicas: z.number(), readyReplicas: z.number(), durationMs: z.number() });

const defaults: TuningConfig['workers'] = { env: ['GUNICORN_WORKERS'], maxOverflow: 10 };

function settingsOf(target: RunTarget): TuningConfig['workers'] {
  return target.env.tuning?.workers ?? defaults;
}

function deploymentEnv(ctx: Pick<RunbookContext, 'infra' | 'target'>) {
  const kubernetes = ctx.target.env.kubernetes;
  // requireWorkloads names the missing keys when the cluster is not configured.
  requireWorkloads(ctx);
  if (!kubernetes) throw kubeNotConfigured(ctx.target, undefined);
  return createDeploymentEnv(kubernetes, `${environmentPath(ctx.target)}.kubernetes`);
}

/** THERMALIQ "Optimize Gunicorn Workers" (and its connection pool): what the env should be for this CPU. */
async function analyse(ctx: RunbookContext): Promise<{ a: Analysis; container: ContainerEnv }> {
  const cfg = settingsOf(ctx.target);
  const { containers, rollout } = await deploymentEnv(ctx).readContainers(ctx.signal);
  const container = cfg.container ? containers.find((c) => c.name === cfg.container) : containers[0];
  if (!container) {
    throw new UserError(
      'not_found',
      `The deployment ${rollout.name} has no container ${cfg.container ?? ''} (${environmentPath(ctx.target)}.tuning.workers.container); it has ${containers.map((c) => c.name).join(', ')}.`,
    );
  }
  const cpu = container.cpuLimit ?? container.cpuRequest;
  const quantity = parseQuantity(cpu);
  if (cpu === undefined || quantity === undefined || quantity <= 0) {
    throw new UserError(
      'conflict',
      `The container ${container.name} of ${rollout.name} has no CPU limit or request (resources.limits.cpu), so its cores are unknown; set one first.`,
    );
  }
  // nproc counts whole CPUs; a fractional limit still runs on that many.
  const cores = Math.max(1, Math.ceil(quantity - 1e-9));
  const workers = cores * 2 + 1;
  const wanted = [
    ...cfg.env.map((name) => ({ name, recommended: String(workers) })),
    ...(cfg.poolSizeEnv ? [{ name: cfg.poolSizeEnv, recommended: String(workers) }] : []),
    ...(cfg.maxOverflowEnv ? [{ name: cfg.maxOverflowEnv, recommended: String(cfg.maxOverflow) }] : []),
  ];
  const fromRef = wanted.filter((w) => container.env.find((e) => e.name === w.name)?.fromRef);
  if (fromRef.length > 0) {
    throw new UserError(
      'conflict',
      `${fromRef.map((w) => w.name).join(', ')} of ${container.name} come from a ConfigMap or Secret (valueFrom); change it there.`,
    );
  }
  const vars = wanted.map((w) => ({ ...w, now: container.env.find((e) => e.name === w.name)?.value ?? null }));
  return {
    a: {
      deployment: rollout.name,
      container: container.name,
      cpu,
      cpuFrom: container.cpuLimit ? 'limit' : 'request',
      cores,
      workers,
      vars,
    },
    container,
  };
}

const differing = (a: Analysis) => a.vars.filter((v) => v.now !== v.recommended);

async function planTuneWorkers(ctx: RunbookContext): Promise<Plan> {
  const { a } = await analyse(ctx);
  const set = differing(a);
  if (set.length === 0) {
    throw new UserError(
      'conflict',
      `${a.deployment} already runs ${a.workers} workers for ${a.cores} cores; nothing to change.`,
    );
  }
  return {
    summary: `Set ${set.map((v) => `${v.name}=${v.recommended}`).join(', ')} on ${a.deployment} and wait for the rollout`,
    fields: [
      {
        label: 'Container',
        value: `${a.container}: CPU ${a.cpuFrom} ${a.cpu} → ${a.cores} cores → (${a.cores} × 2) + 1 = ${a.workers}`,
      },
      { label: 'Changes', value: set.map((v) => `${v.name}: ${v.now ?? 'unset'} → ${v.recommended}`).join('\n') },
      {
        label: 'Rollout',
        value: 'The pod template changes, so every pod is replaced under the rolling-update strategy',
      },
    ],
    steps: [`JSON-patch the env of container ${a.container}`, 'Wait until every replica is replaced and ready'],
    material: { deployment: a.deployment, container: a.container, cpu: a.cpu, set },
  };
}

/** THERMALIQ "Optimize Gunicorn Workers": (cores × 2) + 1 from the CPU limit; `--apply` sets the env and rolls. */
export const tuneWorkersRunbook: Runbook<TuneWorkersParams> = {
  name: 'tune workers',
  summary:
    "Workers (cores × 2) + 1 from the container's CPU limit against the deployment's env (tuning.workers); --apply sets it, rolls the deployment and waits",
  usage: 'tune workers [--apply] [--env NAME] [--dry-run]',
  examples: ['tune workers', 'tune workers --apply --env staging', 'tune workers --apply'],
  risk: 'read',
  minRole: 'viewer',
  params,
  parseArgs: leftovers,
  // Every pod is replaced: in production a second person approves it, as for `restart`.
  riskFor: (target, p) => (!p.apply ? 'read' : isProduction(target) ? 'destructive' : 'change'),
  initialProgress: () => stepProgress(steps),
  async validate(ctx) {
    deploymentEnv(ctx);
  },
  plan: planTuneWorkers,
  steps: [
    {
      ...steps[0],
      timeoutMs: 30_000,
      destructive: true,
      // Setting the same values again changes nothing (and rolls nothing).
      idempotent: true,
      async run(ctx) {
        const { a, container } = await analyse(ctx);
        const set = differing(a);
        const at = new Date().toISOString();
        if (!ctx.params.apply || set.length === 0) return { ...a, applied: false, generation: 0, at };
        const approved = ctx.plan ? z.object({ container: z.string() }).parse(ctx.plan.material) : undefined;
        if (approved && approved.container !== a.container) {
          throw new Error(`the container is no longer ${approved.container}, as approved`);
        }
        ctx.progress(stepProgress(steps, 'tune', set.map((v) => `${v.name}=${v.recommended}`).join(', ')));
        const patched = await deploymentEnv(ctx).setEnv(
          container,
          set.map((v) => ({ name: v.name, value: v.recommended })),
          ctx.signal,
        );
        return { ...a, applied: true, generation: patched.generation, at };
      },
    },
    {
      ...steps[1],
      timeoutMs: 10 * 60_000,
      idempotent: true,
      async run(ctx) {
        const tune = tuneOutput.parse(ctx.outputs.tune);
        if (!tune.applied) return stepSkipped('nothing was changed, so nothing rolls', 'nothing to roll');
        const workloads = requireWorkloads(ctx);
        const done = await waitForRollout((signal) => workloads.readRollout({ signal }), {
          signal: ctx.signal,
          generation: tune.generation,
          intervalMs: 250,
          onWaiting: (status) => ctx.progress(stepProgress(steps, 'rollout', status)),
        });
        return {
          replicas: done.replicas,
          readyReplicas: done.readyReplicas,
          durationMs: Date.now() - Date.parse(tune.at),
        } satisfies z.infer<typeof rolloutOutput>;
      },
    },
  ],
  report(target, p, outputs) {
    const t = tuneOutput.parse(outputs.tune);
    const rolled = rolloutOutput.safeParse(outputs.rollout);
    const where = `${t.deployment} in ${target.service.displayName} (${target.environment})`;
    const off = t.vars.filter((v) => v.now !== v.recommended);
    const items: ProgressItem[] = [
      {
        id: 'cores',
        title: 'CPU',
        status: 'ok',
        value: `${t.cpu} (${t.cpuFrom}) → ${t.cores} cores`,
        summary: `(${t.cores} × 2) + 1 = ${t.workers} workers`,
      },
      ...t.vars.map(
        (v): ProgressItem => ({
          id: v.name,
          title: v.name,
          status: t.applied || v.now === v.recommended ? 'ok' : 'warn',
          value: t.applied ? `${v.now ?? 'unset'} → ${v.recommended}` : (v.now ?? 'unset'),
          threshold: `recommended ${v.recommended}`,
        }),
      ),
    ];
    if (t.applied && rolled.success) {
      items.push({
        id: 'rollout',
        title: 'Rollout',
        status: 'succeeded',
        value: `${rolled.data.readyReplicas}/${rolled.data.replicas} ready`,
        summary: `complete in ${formatSeconds(rolled.data.durationMs / 1000)}`,
      });
    }
    const headline = t.applied
      ? `Set ${off.map((v) => `${v.name}=${v.recommended}`).join(', ')} on ${where} and rolled it out`
      : off.length === 0
        ? `Workers of ${where}: as the formula says, ${t.workers} for ${t.cores} cores`
        : `Workers of ${where}: ${off.length} of ${t.vars.length} variables differ from (${t.cores} × 2) + 1 = ${t.workers}${p.apply ? '' : '; --apply sets them'}`;
    return { status: t.applied || off.length === 0 ? 'ok' : 'warn', headline, items, details: [] };
  },
};
