import { UserError } from '../../../errors.js';
import type { Infra } from '../../../infra/infra.js';
import { missingKubeKeys } from '../../../infra/kube-config.js';
import { createKubeWorkloads, type KubeWorkloads } from '../../../infra/kube-workloads.js';
import type { RunbookContext, RunTarget } from '../../runbook.js';

/** The config path of an environment, for messages that say what to set. */
export function environmentPath(target: RunTarget): string {
  return `services.${target.serviceKey}.environments.${target.environment}`;
}

/** The refusal when the environment's cluster cannot be reached: it names the exact keys to set. */
export function kubeNotConfigured(target: RunTarget, missing: string | undefined): UserError {
  return new UserError(
    'unavailable',
    `No Kubernetes cluster is configured for ${target.environment}: set ${environmentPath(target)}.${missing ?? 'kubernetes'}.`,
  );
}

// One adapter per Infra (i.e. per run or validation), built on first use and dropped with it.
const cache = new WeakMap<Infra, KubeWorkloads>();

/** The environment's workload adapter, or a UserError naming the config that is missing. */
export function requireWorkloads(ctx: Pick<RunbookContext, 'infra' | 'target'>): KubeWorkloads {
  const cached = cache.get(ctx.infra);
  if (cached) return cached;
  const kubernetes = ctx.target.env.kubernetes;
  const missing = missingKubeKeys(kubernetes);
  if (!kubernetes || missing !== undefined) throw kubeNotConfigured(ctx.target, missing);
  const workloads = createKubeWorkloads(kubernetes, `${environmentPath(ctx.target)}.kubernetes`);
  cache.set(ctx.infra, workloads);
  return workloads;
}

/** Production-like environments, where a restart needs approval. */
export function isProduction(target: RunTarget): boolean {
  return /^prod/.test(target.environment);
}

/** Extra words and unknown flags become keys a strict params schema refuses by name. */
export function leftovers(args: readonly string[], flags: Record<string, string | true>): Record<string, unknown> {
  return { ...(args.length > 0 ? { unexpected: args.join(' ') } : {}), ...flags };
}
