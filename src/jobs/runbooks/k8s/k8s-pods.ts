import { z } from 'zod';
import { messageOf } from '../../../errors.js';
import { countOf } from '../../../format/words.js';
import type { DeploymentSummary, PodSummary } from '../../../infra/kube-types.js';
import { firstLine } from '../../health/checks/outcome.js';
import { podsCheck } from '../../health/checks/pods.js';
import { runHealthChecks } from '../../health/run-checks.js';
import type { ProgressItem } from '../../report.js';
import { requireKube } from '../backup/backup-context.js';
import { readRunbook } from '../catalog-ops-report.js';
import { leftovers } from './k8s-context.js';
import { formatAge } from './k8s-format.js';

const params = z.object({}).strict();

function podRow(pod: PodSummary, now: number): string {
  const app = pod.containers.filter((c) => !c.name.startsWith('init:'));
  const ready = app.filter((c) => c.ready).length;
  const last = pod.containers.find((c) => c.lastTerminationReason)?.lastTerminationReason;
  const waiting = pod.containers.find((c) => c.state !== 'running' && c.reason);
  return [
    pod.name,
    pod.terminating ? `${pod.phase} (terminating)` : pod.phase,
    `ready ${ready}/${app.length}`,
    `${countOf(pod.restarts, 'restart')}${last ? ` (last: ${last})` : ''}`,
    `age ${pod.startTime ? formatAge(now - pod.startTime.getTime()) : '?'}`,
    pod.nodeName ? `node ${pod.nodeName}` : 'unscheduled',
    waiting ? `${waiting.name}: ${waiting.reason}` : '',
  ]
    .filter((part) => part !== '')
    .join(' · ');
}

function deploymentItem(d: DeploymentSummary | Error): ProgressItem {
  const base = { id: 'deployment', title: 'Deployment' };
  if (d instanceof Error) return { ...base, status: 'error', summary: firstLine(d.message) };
  return {
    ...base,
    status: d.readyReplicas >= d.replicas && d.observed ? 'ok' : 'warn',
    value: `${d.readyReplicas}/${d.replicas} ready`,
    threshold: 'ready = desired',
    summary: `${d.name}: ${d.updatedReplicas} updated, ${d.availableReplicas} available · ${d.images.join(', ') || 'no image'}`,
  };
}

/** `kubectl get pods` for the service: phase, readiness, restarts and age, with the pods check's verdict. */
export const podsRunbook = readRunbook({
  name: 'pods',
  summary: 'Pods of the service: phase, readiness, restarts and age',
  usage: 'pods [--env NAME]',
  examples: ['pods', 'pods --env staging'],
  params,
  parseArgs: leftovers,
  title: 'List pods',
  timeoutMs: 30_000,
  async collect(ctx) {
    const kube = requireKube(ctx);
    const [[verdict], pods, deployment] = await Promise.all([
      // The daily health check's judgement, so "healthy" means the same in both places.
      runHealthChecks(
        [podsCheck],
        {
          serviceKey: ctx.target.serviceKey,
          command: ctx.target.service.command,
          environment: ctx.target.environment,
          infra: ctx.infra,
          thresholds: ctx.target.thresholds,
        },
        { timeoutMs: ctx.checkTimeoutMs, signal: ctx.signal },
      ),
      kube.listPods({ signal: ctx.signal }),
      kube.readDeployment({ signal: ctx.signal }).catch((err: unknown) => new Error(messageOf(err))),
    ]);
    const now = Date.now();
    const sorted = [...pods].sort((a, b) => a.name.localeCompare(b.name));
    const restarts = pods.reduce((sum, p) => sum + p.restarts, 0);
    const youngest = pods.reduce<number | undefined>((min, p) => {
      const age = p.startTime ? now - p.startTime.getTime() : undefined;
      return age === undefined ? min : min === undefined ? age : Math.min(min, age);
    }, undefined);
    const status = verdict?.status ?? 'error';
    const where = `${kube.namespace} (${kube.labelSelector})`;
    return {
      status,
      headline:
        `Pods of ${ctx.target.service.displayName} (${ctx.target.environment}): ${verdict?.value ?? countOf(pods.length, 'pod')}, ` +
        `${countOf(restarts, 'restart')}${youngest === undefined ? '' : `, youngest ${formatAge(youngest)}`}`,
      items: [
        {
          id: 'pods',
          title: 'Pods',
          status,
          value: verdict?.value,
          threshold: verdict?.threshold,
          summary: verdict?.summary,
        },
        deploymentItem(deployment),
      ],
      details: [{ title: `Pods in ${where}: ${pods.length}`, lines: sorted.map((p) => podRow(p, now)) }],
    };
  },
});
