import { countOf } from '../../../format/words.js';
import type { PodSummary } from '../../../infra/kube-types.js';
import type { HealthCheck } from '../check.js';
import { type CheckOutcome, kubeNotConfigured, notMeasured } from './outcome.js';

// Waiting reasons that mean the container will not start without someone fixing something.
const stuckReasons = new Set([
  'CrashLoopBackOff',
  'ImagePullBackOff',
  'ErrImagePull',
  'InvalidImageName',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
]);

/** Why a pod is unhealthy, or undefined when it is Running and Ready. */
function podProblem(pod: PodSummary): string | undefined {
  const stuck = pod.containers.find((c) => c.state === 'waiting' && c.reason && stuckReasons.has(c.reason));
  if (stuck) return `${stuck.reason} (${stuck.name})`;
  if (pod.phase !== 'Running') return pod.phase;
  if (!pod.ready) {
    const notReady = pod.containers.filter((c) => !c.ready && !c.name.startsWith('init:')).map((c) => c.name);
    return notReady.length > 0 ? `not ready (${notReady.join(', ')})` : 'not ready';
  }
  return undefined;
}

function podRow(pod: PodSummary): string {
  const last = pod.containers.find((c) => c.lastTerminationReason)?.lastTerminationReason;
  return [
    pod.name,
    pod.terminating ? `${pod.phase}, terminating` : pod.phase,
    pod.ready ? 'ready' : 'not ready',
    `${countOf(pod.restarts, 'restart')}${last ? ` (last: ${last})` : ''}`,
    podProblem(pod) ?? '',
  ]
    .filter((part) => part !== '')
    .join(' · ');
}

/** Pods of the service: every one Running and Ready; CrashLoopBackOff or not ready fails, many restarts warn. */
export const podsCheck: HealthCheck = {
  id: 'pods',
  title: 'Pods',
  async run(ctx): Promise<CheckOutcome> {
    const kube = ctx.infra.kube;
    if (!kube) return kubeNotConfigured(ctx);
    let pods: PodSummary[];
    try {
      pods = await kube.listPods({ signal: ctx.signal });
    } catch (err) {
      return notMeasured(ctx, err);
    }
    const maxRestarts = ctx.thresholds.podRestarts;
    const threshold = `all Running and Ready; > ${maxRestarts} restarts warns`;
    const details = pods.map(podRow);
    // Pods being replaced by a rollout and finished ones (Succeeded) are not serving, and not a problem.
    const serving = pods.filter((p) => !p.terminating && p.phase !== 'Succeeded');
    if (serving.length === 0) {
      return {
        status: 'fail',
        value: '0 pods',
        threshold,
        summary: `No pods match ${kube.labelSelector} in namespace ${kube.namespace}`,
        details,
      };
    }
    const ready = serving.filter((p) => podProblem(p) === undefined).length;
    const value = `${ready}/${serving.length} ready`;
    const problems = serving.flatMap((p) => {
      const problem = podProblem(p);
      return problem ? [`${p.name} ${problem}`] : [];
    });
    if (problems.length > 0) {
      return {
        status: 'fail',
        value,
        threshold,
        summary: `${problems.length} of ${countOf(serving.length, 'pod')} unhealthy: ${problems.slice(0, 3).join('; ')}${problems.length > 3 ? '; …' : ''}`,
        details,
      };
    }
    const restarting = serving.filter((p) => p.restarts > maxRestarts);
    if (restarting.length > 0) {
      const names = restarting.map((p) => `${p.name} (${p.restarts})`).join(', ');
      return {
        status: 'warn',
        value,
        threshold,
        summary: `All ready, but restarted more than ${maxRestarts} times: ${names}`,
        details,
      };
    }
    return {
      status: 'ok',
      value,
      threshold,
      summary: `${serving.length}/${serving.length} pods Running and Ready`,
      details,
    };
  },
};
