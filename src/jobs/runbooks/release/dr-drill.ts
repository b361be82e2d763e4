import { z } from 'zod';
import type { Runbook } from '../../runbook.js';
import { stepProgress } from '../../step-progress.js';
import { leftovers } from '../k8s/k8s-context.js';
import { drReport } from './dr-report.js';
import { drillBackup, drillHealth, drillPods, drillProbe, drillRpo, requireDr, validateDrill } from './dr-steps.js';

const params = z.object({}).strict();
type DrDrillParams = z.infer<typeof params>;

const steps = [
  { name: 'backup', title: 'Back up the primary', timeoutMs: 60 * 60_000, run: drillBackup },
  { name: 'pods', title: 'Secondary pods ready', timeoutMs: 2 * 60_000, run: drillPods },
  { name: 'health', title: 'Secondary health URL', timeoutMs: 60_000, run: drillHealth },
  { name: 'probe', title: 'Functional probe', timeoutMs: 2 * 60_000, run: drillProbe },
  { name: 'rpo', title: 'Replication lag (RPO)', timeoutMs: 60_000, run: drillRpo },
] as const;

/**
 * The quarterly disaster-recovery drill (THERMALIQ "Quarterly Tasks → Disaster Recovery Drill"): a fresh backup of the
 * primary, then the configured secondary environment's pods, health URL and functional probe, without touching DNS.
 * RTO is the drill's own clock from its start to the secondary answering, against `dr.rtoTargetMinutes`; RPO is the
 * replication lag where `dr.replicationLagQuery` is set. A failed check is a finding, not a crash: the run goes on
 * and the report (also a Markdown file, the guide's drill report) says which step failed.
 */
export const drDrillRunbook: Runbook<DrDrillParams> = {
  name: 'dr drill',
  summary:
    'Disaster-recovery drill: back up the primary, check the secondary (pods, health, functional probe), RTO and RPO',
  usage: 'dr drill [--env NAME]',
  examples: ['dr drill'],
  risk: 'change',
  minRole: 'operator',
  params,
  parseArgs: (args, flags) => leftovers(args, flags),
  initialProgress: () => stepProgress(steps),
  async validate(ctx) {
    validateDrill(ctx);
  },
  steps: steps.map((s) => ({
    name: s.name,
    title: s.title,
    timeoutMs: s.timeoutMs,
    // Reads, probes and one more timestamped backup: a repeat after a crash is harmless.
    idempotent: true,
    run(ctx) {
      ctx.progress(stepProgress(steps, s.name));
      return s.run(ctx);
    },
  })),
  report(target, _params, outputs) {
    const { dr } = requireDr(target);
    return drReport(target, outputs, { secondary: dr.secondary, rtoTargetMinutes: dr.rtoTargetMinutes });
  },
};
