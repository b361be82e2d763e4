import { UserError } from '../../../errors.js';
import { createKubeExec, type KubeExec } from '../../../infra/kube-exec.js';
import type { PodSummary } from '../../../infra/kube-types.js';
import type { RunbookContext } from '../../runbook.js';
import { requireKube } from '../backup/backup-context.js';
import { kubeAdapter } from '../k8s/k8s-context.js';

/** The environment's exec adapter, or a UserError naming the Kubernetes config that is missing. */
export const requireExec: (ctx: Pick<RunbookContext, 'infra' | 'target'>) => KubeExec = kubeAdapter(createKubeExec);

/** The pod a command runs in, as `kubectl exec deployment/…` would pick one: Running, Ready, not terminating. */
export interface ExecPod {
  name: string;
  /** The container asked for, else the pod's default container. */
  container: string;
}

/** The first (by name) Running, Ready pod of the service, and the container to use in it. */
export async function pickExecPod(ctx: RunbookContext, container?: string): Promise<ExecPod> {
  const kube = requireKube(ctx);
  const pods = await kube.listPods({ signal: ctx.signal });
  const usable = pods
    .filter((p: PodSummary) => p.phase === 'Running' && p.ready && !p.terminating)
    .sort((a, b) => a.name.localeCompare(b.name));
  const pod = usable[0];
  if (!pod) {
    throw new UserError(
      'unavailable',
      `No running, ready pod of ${kube.labelSelector} in ${kube.namespace} (${pods.length} pods found) to run the command in.`,
    );
  }
  const chosen = container ?? pod.logContainer;
  if (!chosen) throw new UserError('unavailable', `Pod ${pod.name} has no containers.`);
  return { name: pod.name, container: chosen };
}
