import { createKubeSecurity, type KubeSecurity } from '../../../infra/kube-security.js';
import type { RunbookContext } from '../../runbook.js';
import { kubeAdapter } from '../k8s/k8s-context.js';

/** The environment's security adapter (audit reads, scan Jobs), or a UserError naming the config that is missing. */
export const requireSecurity: (ctx: Pick<RunbookContext, 'infra' | 'target'>) => KubeSecurity =
  kubeAdapter(createKubeSecurity);
