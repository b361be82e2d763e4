import { z } from 'zod';
import { countOf } from '../../../format/words.js';
import type { Runbook } from '../../runbook.js';
import { stepProgress } from '../../step-progress.js';
import { leftovers, requireWorkloads } from './k8s-context.js';
import {
  alreadyApplied,
  analyzeMaintenance,
  describeChanges,
  maintenanceMaterial,
  maintenancePatch,
  planMaintenance,
  routeChange,
  targets,
} from './k8s-maintenance-plan.js';

const params = z
  .object({
    mode: z.enum(['on', 'off'], {
      error: (i) =>
        i.input === undefined ? 'say "on" or "off"' : `expected "on" or "off", not "${String(i.input).slice(0, 20)}"`,
    }),
  })
  .strict();
type MaintenanceParams = z.infer<typeof params>;

const steps = [{ name: 'switch', title: 'Switch the ingress backend' }] as const;

const switchOutput = z.object({
  mode: z.enum(['on', 'off']),
  ingress: z.string(),
  changes: z.array(routeChange),
  already: z.boolean(),
});

/**
 * The VCCI guide's maintenance mode (`enable-/disable-maintenance-mode.sh`): the Ingress's service backends point at
 * the maintenance Service, and back. The original backends are stored in an annotation on the Ingress, so `off`
 * works from any instance, and after a restart.
 */
export const maintenanceRunbook: Runbook<MaintenanceParams> = {
  name: 'maintenance',
  summary: 'Maintenance mode: point the ingress at the maintenance page (on) or back at the service (off)',
  usage: 'maintenance on|off [--env NAME] [--dry-run]',
  examples: ['maintenance on', 'maintenance off', 'maintenance on --env staging --dry-run'],
  risk: 'destructive',
  minRole: 'operator',
  params,
  parseArgs(args, flags) {
    const [mode, ...rest] = args;
    return { mode: mode?.toLowerCase(), ...leftovers(rest, flags) };
  },
  initialProgress() {
    return stepProgress(steps);
  },
  async validate(ctx, p) {
    await analyzeMaintenance(ctx, p.mode);
  },
  plan(ctx, p) {
    return planMaintenance(ctx, p.mode);
  },
  steps: [
    {
      name: 'switch',
      title: 'Switch the ingress backend',
      timeoutMs: 60_000,
      destructive: true,
      // The step looks before it patches: a repeat finds the switch done and changes nothing.
      idempotent: true,
      async run(ctx) {
        ctx.progress(stepProgress(steps, 'switch'));
        if (!ctx.plan) throw new Error('maintenance ran without its approved plan');
        const m = maintenanceMaterial.parse(ctx.plan.material);
        const workloads = requireWorkloads(ctx);
        const ingress = await workloads.readIngress(m.ingress, { signal: ctx.signal });
        const base = { mode: m.mode, ingress: m.ingress, changes: m.changes };
        if (alreadyApplied(ingress, m.mode, m.changes)) return { ...base, already: true };
        const ops = maintenancePatch(ingress, m.mode, m.changes, { runId: ctx.runId, now: new Date() });
        const patched = await workloads.patchIngress(m.ingress, ops, { signal: ctx.signal });
        if (!alreadyApplied(patched, m.mode, m.changes)) {
          throw new Error(`ingress ${m.ingress} does not show the switch after the patch; check it by hand`);
        }
        return { ...base, already: false } satisfies z.infer<typeof switchOutput>;
      },
    },
  ],
  report(target, _params, outputs) {
    const out = switchOutput.parse(outputs.switch);
    const on = out.mode === 'on';
    const where = `${target.service.displayName} (${target.environment})`;
    return {
      status: on ? 'warn' : 'ok',
      headline: on
        ? `Maintenance mode ON for ${where}: ingress ${out.ingress} now sends ${countOf(out.changes.length, 'route')} to ${targets(out.changes)}`
        : `Maintenance mode OFF for ${where}: ingress ${out.ingress} is back on ${targets(out.changes)}`,
      items: [
        {
          id: 'switch',
          title: 'Ingress backend',
          status: 'succeeded',
          value: on ? 'maintenance' : 'service',
          summary: `${out.already ? 'already switched (nothing changed)' : 'switched'}: ${describeChanges(out.changes).join('; ')}`,
        },
      ],
      details: [{ title: `Routes of ingress ${out.ingress}`, lines: describeChanges(out.changes) }],
    };
  },
};
