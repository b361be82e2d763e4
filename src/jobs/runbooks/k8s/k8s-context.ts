import type { KubernetesTarget } from '../../../config/ops-config.js';
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

/**
 * A Kubernetes adapter getter: one adapter per Infra (i.e. per run or validation), built on first use by `create` and
 * dropped with it, or the refusal naming the exact config keys that keep the cluster from being reached.
 */
export function kubeAdapter<A>(
  create: (kubernetes: KubernetesTarget, where: string) => A,
): (ctx: Pick<RunbookContext, 'infra' | 'target'>) => A {
  const cache = new WeakMap<Infra, A>();
  return (ctx) => {
    const cached = cache.get(ctx.infra);
    if (cached) return cached;
    const kubernetes = ctx.target.env.kubernetes;
    const missing = missingKubeKeys(kubernetes);
    if (!kubernetes || missing !== undefined) throw kubeNotConfigured(ctx.target, missing);
    const adapter = create(kubernetes, `${environmentPath(ctx.target)}.kubernetes`);
    cache.set(ctx.infra, adapter);
    return adapter;
  };
}

/** The environment's workload adapter, or a UserError naming the config that is missing. */
export const requireWorkloads: (ctx: Pick<RunbookContext, 'infra' | 'target'>) => KubeWorkloads =
  kubeAdapter(createKubeWorkloads);

/** Production-like environments, where a restart needs approval. */
export function isProduction(target: RunTarget): boolean {
  return /^prod/.test(target.environment);
}

/** Extra words and unknown flags become keys a strict params schema refuses by name. */
export function leftovers(args: readonly string[], flags: Record<string, string | true>): Record<string, unknown> {
  return { ...(args.length > 0 ? { unexpected: args.join(' ') } : {}), ...flags };
}
