import type { HealthCheck } from '../../health/check.js';
import { formatCores, formatPercent } from '../../health/checks/format.js';
import type { CheckOutcome } from '../../health/checks/outcome.js';
import type { RunTarget } from '../../runbook.js';
import { digestValue } from './digest-prom-value.js';

/**
 * The monthly audit's resource utilization: CPU cores the service used on average over 30 days, and that as a share
 * of the CPU it requests now (when kube-state-metrics reports requests). Informational: the guide sets no limit.
 */
export function cpuUsageSection(target: RunTarget): HealthCheck {
  return {
    id: 'cpu-usage-30d',
    title: 'CPU usage (30 d avg)',
    async run(ctx): Promise<CheckOutcome> {
      const used = await digestValue(ctx, target, (q) => q.cpuUsage30d);
      if ('outcome' in used) return used.outcome;
      // Requests only add context; their absence must not hide the usage.
      const requested = await digestValue(ctx, target, (q) => q.cpuRequests);
      const details = [used.promql];
      let share = '';
      if ('value' in requested && requested.value > 0) {
        share = ` (${formatPercent((used.value / requested.value) * 100)} of ${formatCores(requested.value)} requested)`;
        details.push(requested.promql);
      }
      const value = `${formatCores(used.value)} CPU${share}`;
      return { status: 'ok', value, summary: `CPU used on average over 30 days: ${value}`, details };
    },
  };
}
