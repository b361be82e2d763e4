import { z } from 'zod';
import { messageOf } from '../../../errors.js';
import { countOf } from '../../../format/words.js';
import type { AutoscalerStatus } from '../../../infra/kube-workload-types.js';
import type { CheckStatus } from '../../health/check.js';
import { firstLine } from '../../health/checks/outcome.js';
import { resourcesCheck } from '../../health/checks/resources.js';
import { worstStatus } from '../../health/checks/severity.js';
import { runHealthChecks } from '../../health/run-checks.js';
import type { ProgressItem } from '../../report.js';
import { requireKube } from '../backup/backup-context.js';
import { readRunbook } from '../catalog-ops-report.js';
import { leftovers, requireWorkloads } from './k8s-context.js';

const params = z.object({}).strict();

const condition = (hpa: AutoscalerStatus, type: string) => hpa.conditions.find((c) => c.type === type);

/** The HPA's state, judged as an SRE reads `kubectl describe hpa`: not scaling or pinned at its maximum warns. */
function autoscalerVerdict(hpa: AutoscalerStatus): { status: CheckStatus; note: string } {
  const able = condition(hpa, 'AbleToScale');
  const active = condition(hpa, 'ScalingActive');
  if (able?.status === 'False')
    return { status: 'warn', note: `cannot scale: ${able.reason ?? ''} ${able.message ?? ''}` };
  if (active?.status === 'False') {
    return { status: 'warn', note: `not scaling on metrics: ${active.reason ?? ''} ${active.message ?? ''}` };
  }
  if (hpa.currentReplicas >= hpa.maxReplicas) return { status: 'warn', note: `at its maximum of ${hpa.maxReplicas}` };
  return { status: 'ok', note: 'scaling normally' };
}

function autoscalerLine(hpa: AutoscalerStatus): string {
  const metrics = hpa.metrics.map((m) => `${m.name} ${m.current ?? '<unknown>'}/${m.target}`).join(', ');
  const conditions = hpa.conditions.map((c) => `${c.type}=${c.status}${c.reason ? ` (${c.reason})` : ''}`).join(', ');
  return [
    `${hpa.name} → ${hpa.target}`,
    `replicas ${hpa.currentReplicas} (desired ${hpa.desiredReplicas}, min ${hpa.minReplicas}, max ${hpa.maxReplicas})`,
    metrics || 'no metrics',
    conditions,
    hpa.lastScaleTime ? `last scaled ${hpa.lastScaleTime}` : '',
  ]
    .filter((p) => p !== '')
    .join(' · ');
}

/** The HPA item: the one that scales the deployment, or why there is none. */
function autoscalerItem(
  all: AutoscalerStatus[] | undefined | Error,
  deployment: string,
): { status: CheckStatus; item: ProgressItem; lines: string[] } {
  const base = { id: 'hpa', title: 'Autoscaler (HPA)' };
  const only = (status: CheckStatus, summary: string, lines: string[] = []) => ({
    status,
    item: { ...base, status, summary },
    lines,
  });
  if (all instanceof Error) return only('error', firstLine(all.message));
  if (all === undefined) return only('skipped', 'autoscaling/v2 is not served by the cluster (Kubernetes < 1.23?)');
  const lines = all.map(autoscalerLine);
  const mine = all.find((h) => h.targetKind === 'Deployment' && h.targetName === deployment);
  if (!mine) {
    const others = all.length > 0 ? ` (${countOf(all.length, 'other HPA')} in the namespace)` : '';
    return only('skipped', `No HPA scales Deployment/${deployment}${others}`, lines);
  }
  const verdict = autoscalerVerdict(mine);
  const metrics = mine.metrics.map((m) => `${m.name} ${m.current ?? '<unknown>'} of ${m.target}`).join(', ');
  return {
    status: verdict.status,
    item: {
      ...base,
      status: verdict.status,
      value: `${countOf(mine.currentReplicas, 'replica')} (${mine.minReplicas}–${mine.maxReplicas})`,
      threshold: 'below max, ScalingActive',
      summary: `${mine.name}: ${verdict.note}${metrics ? ` · ${metrics}` : ''}`,
    },
    lines,
  };
}

/** Pod CPU and memory from metrics.k8s.io (`kubectl top pods`) and the HPA status (`kubectl get hpa`). */
export const resourcesRunbook = readRunbook({
  name: 'resources',
  summary: 'Pod CPU and memory from metrics.k8s.io, and the HPA status',
  usage: 'resources [--env NAME]',
  examples: ['resources', 'resources --env staging'],
  params,
  parseArgs: leftovers,
  title: 'Read usage and HPA',
  timeoutMs: 30_000,
  async collect(ctx) {
    const kube = requireKube(ctx);
    const workloads = requireWorkloads(ctx);
    const [[usage], hpas] = await Promise.all([
      runHealthChecks(
        [resourcesCheck],
        {
          serviceKey: ctx.target.serviceKey,
          command: ctx.target.service.command,
          environment: ctx.target.environment,
          infra: ctx.infra,
          thresholds: ctx.target.thresholds,
        },
        { timeoutMs: ctx.checkTimeoutMs, signal: ctx.signal },
      ),
      workloads.listAutoscalers({ signal: ctx.signal }).catch((err: unknown) => {
        if (ctx.signal.aborted) throw ctx.signal.reason;
        return new Error(messageOf(err));
      }),
    ]);
    const usageStatus = usage?.status ?? 'error';
    const usageItem: ProgressItem = {
      id: 'usage',
      title: 'CPU and memory',
      status: usageStatus,
      value: usage?.value,
      summary: usage?.summary ?? 'no result',
    };
    const hpa = autoscalerItem(hpas, kube.deployment);
    const details = [
      ...(usage?.details?.length ? [{ title: 'Pods by memory (kubectl top pods)', lines: usage.details }] : []),
      ...(hpa.lines.length > 0 ? [{ title: 'HorizontalPodAutoscalers', lines: hpa.lines }] : []),
    ];
    return {
      status: worstStatus([usageStatus, hpa.status]),
      headline: `Resources of ${ctx.target.service.displayName} (${ctx.target.environment}): ${usage?.value ?? usage?.summary ?? 'no usage'}`,
      items: [usageItem, hpa.item],
      details,
    };
  },
});
