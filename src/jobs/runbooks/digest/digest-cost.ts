import { z } from 'zod';
import type { EnvironmentConfig } from '../../../config/ops-config.js';
import { messageOf } from '../../../errors.js';
import type { HealthCheck } from '../../health/check.js';
import { formatCores, formatCount } from '../../health/checks/format.js';
import { type CheckOutcome, firstLine } from '../../health/checks/outcome.js';
import type { RunTarget } from '../../runbook.js';
import { digestValue } from './digest-prom-value.js';

/** The prices the compute cost estimate uses, in USD. */
export interface CostSettings {
  /** Price of one pod running one hour; no default, since the guides give none. */
  podHourUsd?: number;
  /** Price of one requested CPU core for one hour. */
  cpuHourUsd: number;
  /** Set when `cost` is present but not valid, so the report can say so. */
  problem?: string;
}

/** The THERMALIQ monthly audit's rate: "Estimated Cost (@ $0.05/CPU-hour)". */
export const guideCpuHourUsd = 0.05;

// The environment's `cost` block, read leniently until the ops-config schema declares it.
const costBlock = z.object({
  cost: z
    .object({ podHourUsd: z.number().positive().optional(), cpuHourUsd: z.number().positive().optional() })
    .optional(),
});

/** The environment's `cost` settings, defaulting the CPU-hour price to the guide's; never throws. */
export function costSettings(env: EnvironmentConfig): CostSettings {
  const parsed = costBlock.safeParse(env);
  if (!parsed.success) {
    return { cpuHourUsd: guideCpuHourUsd, problem: 'cost is set but not valid (expected positive numbers)' };
  }
  const cost = parsed.data.cost;
  return { podHourUsd: cost?.podHourUsd, cpuHourUsd: cost?.cpuHourUsd ?? guideCpuHourUsd };
}

// The audit covers 30 days of 24 hours, as the guide's `* 24 * 30`.
const hours = 30 * 24;

function usd(amount: number): string {
  return `$${amount.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/**
 * The compute-hour cost estimate of the monthly audit: today's pods × 720 h × cost.podHourUsd when that price is
 * configured, else (as the guide does) the CPU cores requested now × 720 h × cost.cpuHourUsd (default $0.05).
 * Like the guide, it projects the current footprint over 30 days rather than summing the past month.
 */
export function computeCostSection(target: RunTarget): HealthCheck {
  return {
    id: 'compute-cost',
    title: 'Compute cost (30 d)',
    async run(ctx): Promise<CheckOutcome> {
      const settings = costSettings(target.env);
      const setting = `services.${target.serviceKey}.environments.${target.environment}.cost.podHourUsd`;
      const notes: string[] = settings.problem ? [settings.problem] : [];
      let pods: number | undefined;
      if (ctx.infra.kube) {
        try {
          pods = (await ctx.infra.kube.listPods({ signal: ctx.signal })).filter((p) => !p.terminating).length;
        } catch (err) {
          if (ctx.signal.aborted) throw ctx.signal.reason;
          notes.push(`pods not counted: ${firstLine(messageOf(err))}`);
        }
      } else {
        notes.push('pods not counted: Kubernetes is not configured');
      }
      const requests = await digestValue(ctx, target, (q) => q.cpuRequests);
      // Zero means the containers declare no CPU requests: pricing that would claim the service costs nothing.
      const cores = 'value' in requests && requests.value > 0 ? requests.value : undefined;
      if ('outcome' in requests) notes.push(`CPU requests not measured: ${requests.outcome.summary}`);
      else if (cores === undefined) notes.push('the containers declare no CPU requests');
      const podHours = pods === undefined ? undefined : pods * hours;
      const cpuHours = cores === undefined ? undefined : cores * hours;
      const footprint = [
        ...(podHours === undefined
          ? []
          : [`${formatCount(pods ?? 0)} pods × ${hours} h = ${formatCount(podHours)} pod-hours`]),
        ...(cpuHours === undefined
          ? []
          : [`${formatCores(cores ?? 0)} CPU requested × ${hours} h = ${formatCount(cpuHours)} CPU-hours`]),
      ];
      const details = [...footprint, ...notes];
      if (settings.podHourUsd !== undefined && podHours !== undefined) {
        const estimate = podHours * settings.podHourUsd;
        return {
          status: 'ok',
          value: `≈ ${usd(estimate)}`,
          summary: `≈ ${usd(estimate)} for 30 days: ${formatCount(podHours)} pod-hours × ${usd(settings.podHourUsd)}/pod-hour`,
          details,
        };
      }
      if (cpuHours !== undefined) {
        const estimate = cpuHours * settings.cpuHourUsd;
        const hint = settings.podHourUsd === undefined ? `; set ${setting} to price pod-hours` : '';
        return {
          status: 'ok',
          value: `≈ ${usd(estimate)}`,
          summary:
            `≈ ${usd(estimate)} for 30 days: ${formatCount(cpuHours)} CPU-hours × ${usd(settings.cpuHourUsd)}/CPU-hour` +
            hint,
          details,
        };
      }
      const missing =
        settings.podHourUsd === undefined
          ? `set ${setting}`
          : 'the pods could not be counted and no CPU requests were measured';
      return {
        status: 'skipped',
        value: podHours === undefined ? undefined : `${formatCount(podHours)} pod-hours`,
        summary: `No cost estimate: ${missing}`,
        details,
      };
    },
  };
}
