import { countOf } from '../../../format/words.js';
import type { PodSummary, PodUsage } from '../../../infra/kube-types.js';
import type { HealthCheck } from '../check.js';
import { formatBytes, formatCores, formatPercent } from './format.js';
import { type CheckOutcome, kubeNotConfigured, notMeasured } from './outcome.js';

function ofLimit(used: number, limit: number | undefined): string {
  return limit ? ` (${formatPercent((used / limit) * 100)} of limit)` : '';
}

/** Pod CPU and memory from metrics.k8s.io, like `kubectl top pods`; informational, with usage against limits. */
export const resourcesCheck: HealthCheck = {
  id: 'resources',
  title: 'Resource usage',
  async run(ctx): Promise<CheckOutcome> {
    const kube = ctx.infra.kube;
    if (!kube) return kubeNotConfigured(ctx);
    let usage: PodUsage[] | undefined;
    let pods: PodSummary[] | undefined;
    try {
      [usage, pods] = await Promise.all([
        kube.podMetrics({ signal: ctx.signal }),
        // Limits only add context; their absence must not hide the usage.
        kube.listPods({ signal: ctx.signal }).catch(() => undefined),
      ]);
    } catch (err) {
      return notMeasured(ctx, err);
    }
    if (usage === undefined) {
      return { status: 'skipped', summary: 'metrics.k8s.io not available (is metrics-server installed?)' };
    }
    if (usage.length === 0)
      return { status: 'ok', value: 'no samples', summary: 'metrics.k8s.io has no samples for the pods yet' };
    const limits = new Map((pods ?? []).map((p) => [p.name, p.limits]));
    const sorted = [...usage].sort((a, b) => b.memoryBytes - a.memoryBytes);
    const cpu = usage.reduce((sum, p) => sum + p.cpuCores, 0);
    const memory = usage.reduce((sum, p) => sum + p.memoryBytes, 0);
    const value = `CPU ${formatCores(cpu)}, memory ${formatBytes(memory)}`;
    return {
      status: 'ok',
      value,
      summary: `${value} across ${countOf(usage.length, 'pod')}`,
      details: sorted.map((p) => {
        const limit = limits.get(p.name);
        return (
          `${p.name} · CPU ${formatCores(p.cpuCores)}${ofLimit(p.cpuCores, limit?.cpuCores)}` +
          ` · memory ${formatBytes(p.memoryBytes)}${ofLimit(p.memoryBytes, limit?.memoryBytes)}`
        );
      }),
    };
  },
};
