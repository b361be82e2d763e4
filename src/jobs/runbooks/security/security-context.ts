import { UserError } from '../../../errors.js';
import type { Infra } from '../../../infra/infra.js';
import { clusterConfigured } from '../../../infra/kube-config.js';
import { createKubeSecurity, type KubeSecurity } from '../../../infra/kube-security.js';
import type { RunbookContext } from '../../runbook.js';
import { environmentPath } from '../k8s/k8s-context.js';

// One adapter per Infra (i.e. per run or validation), built on first use and dropped with it.
const cache = new WeakMap<Infra, KubeSecurity>();

/** The environment's security adapter (audit reads, scan Jobs), or a UserError naming the config that is missing. */
export function requireSecurity(ctx: Pick<RunbookContext, 'infra' | 'target'>): KubeSecurity {
  const cached = cache.get(ctx.infra);
  if (cached) return cached;
  const kubernetes = ctx.target.env.kubernetes;
  if (!kubernetes || !clusterConfigured(kubernetes.cluster)) {
    throw new UserError(
      'unavailable',
      `No Kubernetes cluster is configured for ${ctx.target.environment}: set ${environmentPath(ctx.target)}.kubernetes.`,
    );
  }
  const security = createKubeSecurity(kubernetes, `${environmentPath(ctx.target)}.kubernetes`);
  cache.set(ctx.infra, security);
  return security;
}
