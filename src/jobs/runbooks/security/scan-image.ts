import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { scannerDefaults } from '../../../config/ops-config.js';
import { messageOf, UserError } from '../../../errors.js';
import { countOf } from '../../../format/words.js';
import type { Runbook, StepContext } from '../../runbook.js';
import { stepProgress } from '../../step-progress.js';
import { leftovers, requireWorkloads } from '../k8s/k8s-context.js';
import { type ImageScan, scanFailure, scanReport } from './scan-image-report.js';
import { requireSecurity } from './security-context.js';
import { parseTrivyReport, trivySeverities } from './trivy-report.js';

const severityList = new RegExp(`^(${trivySeverities.join('|')})(,(${trivySeverities.join('|')}))*$`);

const params = z
  .object({
    severity: z
      .string({ error: 'give --severity a comma-separated list, e.g. --severity HIGH,CRITICAL' })
      .regex(severityList, {
        error: (i) =>
          `--severity takes a comma-separated list of ${trivySeverities.join(', ')} (e.g. HIGH,CRITICAL), not "${String(i.input).slice(0, 40)}"`,
      })
      .default('HIGH,CRITICAL'),
  })
  .strict();
type ScanParams = z.infer<typeof params>;

const steps = [
  { name: 'start', title: 'Start the scan Job' },
  { name: 'wait', title: 'Wait for the scan' },
  { name: 'read', title: 'Read the reports' },
] as const;

/** How often the wait reads the Job; a scan takes tens of seconds to minutes. */
const pollIntervalMs = 500;
/** A trivy JSON report of a large image runs to a few MiB; past this the log is cut off and refused. */
const logLimitBytes = 16 * 1024 * 1024;
/** The Job and pod names carry this prefix (a label value holds 63 characters, with the 6 generateName adds). */
const prefixLimit = 40;

const startOutput = z.object({
  job: z.string(),
  severities: z.array(z.string()),
  targets: z.array(z.object({ container: z.string(), image: z.string() })),
});
const waitOutput = z.object({
  finished: z.enum(['Complete', 'Failed']),
  reason: z.string().optional(),
  message: z.string().optional(),
});

function severitiesOf(p: ScanParams): string[] {
  return [...new Set(p.severity.split(','))];
}

/** Polls the Job until it finishes; if the step is stopped first, deletes it so it does not run on unwatched. */
async function waitForJob(ctx: StepContext<ScanParams>, job: string): Promise<z.infer<typeof waitOutput>> {
  const security = requireSecurity(ctx);
  try {
    for (;;) {
      const state = await security.readJob(job, { signal: ctx.signal });
      if (state.finished) {
        return {
          finished: state.finished,
          ...(state.reason ? { reason: state.reason } : {}),
          ...(state.message ? { message: state.message } : {}),
        };
      }
      ctx.progress(
        stepProgress(
          steps,
          'wait',
          state.active > 0 ? `${job}: ${countOf(state.active, 'pod')} scanning` : `${job}: starting`,
        ),
      );
      await sleep(pollIntervalMs, undefined, { signal: ctx.signal });
    }
  } catch (err) {
    if (!ctx.signal.aborted) throw err;
    // The step's own signal is spent; the clean-up gets a short one of its own.
    const deleted = await security.deleteJob(job, { signal: AbortSignal.timeout(5000) }).then(
      () => `it was deleted`,
      (e: unknown) => `deleting it failed too (${messageOf(e)})`,
    );
    throw new UserError('unavailable', `The scan Job ${job} did not finish before the run stopped; ${deleted}.`, {
      cause: err,
    });
  }
}

/**
 * THERMALIQ "Security Scan Review" and "Container Image Scanning": trivy against every image of the deployment, in a
 * Job of the cluster (so it pulls with the cluster's access), with the JSON report read back from its pod's log.
 */
export const scanImageRunbook: Runbook<ScanParams> = {
  name: 'scan image',
  summary: 'Scan the deployment’s images with trivy in a Kubernetes Job; vulnerabilities per image and severity',
  usage: 'scan image [--severity HIGH,CRITICAL] [--env NAME]',
  examples: [
    'scan image',
    'scan image --severity CRITICAL',
    'scan image --severity MEDIUM,HIGH,CRITICAL --env staging',
  ],
  risk: 'change',
  minRole: 'operator',
  params,
  parseArgs(args, flags) {
    const { severity, ...rest } = flags;
    return { ...(severity === undefined ? {} : { severity }), ...leftovers(args, rest) };
  },
  initialProgress: () => stepProgress(steps),
  async validate(ctx) {
    requireSecurity(ctx);
    const rollout = await requireWorkloads(ctx).readRollout({ signal: ctx.signal });
    if (rollout.images.length === 0) {
      throw new UserError('not_found', `Deployment ${rollout.name} names no container image to scan.`);
    }
  },
  steps: [
    {
      name: 'start',
      title: 'Start the scan Job',
      timeoutMs: 30_000,
      // A second Job after a re-delivery only scans again, and its TTL removes it like the first.
      idempotent: true,
      async run(ctx) {
        ctx.progress(stepProgress(steps, 'start'));
        const kube = ctx.target.env.kubernetes;
        const rollout = await requireWorkloads(ctx).readRollout({ signal: ctx.signal });
        const images = [...new Set(rollout.images)];
        if (images.length === 0) throw new UserError('not_found', `Deployment ${rollout.name} names no image.`);
        const targets = images.map((image, i) => ({ container: `scan-${i + 1}`, image }));
        const scanner = kube?.scanner ?? scannerDefaults;
        const severities = severitiesOf(ctx.params);
        const namePrefix = `${rollout.name.slice(0, prefixLimit - 'image-scan'.length - 1).replace(/[-.]+$/, '')}-image-scan`;
        const job = await requireSecurity(ctx).createScanJob(
          {
            namePrefix,
            scannerImage: scanner.image,
            targets,
            severities,
            deadlineSeconds: scanner.deadlineSeconds,
            ttlSecondsAfterFinished: scanner.ttlSecondsAfterFinished,
            resources: { cpu: scanner.cpu, memory: scanner.memory },
            labels: {
              'app.kubernetes.io/name': 'thermaliq-chatops-image-scan',
              'app.kubernetes.io/managed-by': 'thermaliq-chatops',
              'thermaliq-chatops/run': ctx.runId,
            },
          },
          { signal: ctx.signal },
        );
        return { job, severities, targets } satisfies z.infer<typeof startOutput>;
      },
    },
    {
      name: 'wait',
      title: 'Wait for the scan',
      // Past the Job's own deadline (600 s by default), which fails it first and says so.
      timeoutMs: 15 * 60_000,
      idempotent: true,
      async run(ctx) {
        const { job } = startOutput.parse(ctx.outputs.start);
        ctx.progress(stepProgress(steps, 'wait', job));
        return waitForJob(ctx, job);
      },
    },
    {
      name: 'read',
      title: 'Read the reports',
      timeoutMs: 60_000,
      idempotent: true,
      async run(ctx) {
        ctx.progress(stepProgress(steps, 'read'));
        const { job, targets } = startOutput.parse(ctx.outputs.start);
        const outcome = waitOutput.parse(ctx.outputs.wait);
        const security = requireSecurity(ctx);
        const pods = await security.listJobPods(job, { signal: ctx.signal });
        const pod = pods[pods.length - 1];
        if (!pod)
          throw new UserError('not_found', scanFailure(job, outcome, ['its pod is gone, so no report to read']));
        const problems: string[] = [];
        const scans: ImageScan[] = [];
        for (const t of targets) {
          const status = pod.containers.find((c) => c.name === t.container);
          let log: string;
          try {
            log = await security.readContainerLog(pod.name, t.container, logLimitBytes, { signal: ctx.signal });
          } catch (err) {
            if (ctx.signal.aborted) throw err;
            problems.push(`${t.image}: no log (${messageOf(err)})`);
            continue;
          }
          const exit = status?.exitCode;
          if (exit !== undefined && exit !== 0) {
            const last = log.trim().split('\n').pop() ?? '';
            problems.push(
              `${t.image}: trivy exited ${exit}${status?.reason ? ` (${status.reason})` : ''}${last ? `: ${last.slice(0, 300)}` : ''}`,
            );
            continue;
          }
          if (status?.waiting) {
            problems.push(`${t.image}: the scanner never ran (${status.waiting})`);
            continue;
          }
          try {
            if (Buffer.byteLength(log) >= logLimitBytes) throw new Error(`the log is over ${logLimitBytes} bytes`);
            scans.push({ image: t.image, vulnerabilities: parseTrivyReport(log) });
          } catch (err) {
            problems.push(`${t.image}: ${messageOf(err)}`);
          }
        }
        if (outcome.finished === 'Failed' || problems.length > 0) {
          throw new UserError('unavailable', scanFailure(job, outcome, problems));
        }
        return { job, pod: pod.name, scans };
      },
    },
  ],
  report(target, p, outputs) {
    return scanReport(target, severitiesOf(p), outputs.read);
  },
};
