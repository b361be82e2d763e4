import { z } from 'zod';
import { formatBytes, formatSeconds } from '../health/checks/format.js';
import type { ProgressItem, RunReport } from '../report.js';
import type { RunTarget } from '../runbook.js';
import { restoreStepTitles } from './restore-titles.js';

const duration = z.number().nonnegative();
/** A scale step that was a no-op because no deployment is configured. */
const scaleSkipped = z.object({ skipped: z.literal(true), reason: z.string() });
const outputsSchema = z.object({
  'scale-down': z.union([scaleSkipped, z.object({ from: z.number(), durationMs: duration })]),
  'pre-restore-backup': z.object({ key: z.string(), size: z.number(), durationMs: duration }),
  restore: z.object({
    key: z.string(),
    size: z.number(),
    format: z.enum(['plain', 'custom']),
    gzipped: z.boolean(),
    durationMs: duration,
  }),
  verify: z.object({
    results: z.array(z.object({ name: z.string(), min: z.number(), value: z.number().optional(), ok: z.boolean() })),
  }),
  'scale-up': z.union([
    scaleSkipped,
    z.object({ replicas: z.number(), readyReplicas: z.number(), durationMs: duration }),
  ]),
});

const seconds = (ms: number) => formatSeconds(ms / 1000);

/** The finished restore: what was restored into what, the safety copy, the checks and each step's duration. */
export function restoreReport(target: RunTarget, outputs: Readonly<Record<string, unknown>>): RunReport {
  const o = outputsSchema.parse(outputs);
  const kind = `${o.restore.format === 'plain' ? 'plain SQL' : 'custom format'}${o.restore.gzipped ? ', gzipped' : ''}`;
  const down = o['scale-down'];
  const up = o['scale-up'];
  const values: Record<string, string> = {
    'scale-down': 'skipped' in down ? 'no deployment configured' : `${down.from} → 0 in ${seconds(down.durationMs)}`,
    'pre-restore-backup': `${formatBytes(o['pre-restore-backup'].size)} in ${seconds(o['pre-restore-backup'].durationMs)}`,
    restore: `${formatBytes(o.restore.size)} (${kind}) in ${seconds(o.restore.durationMs)}`,
    verify: `${o.verify.results.filter((r) => r.ok).length}/${o.verify.results.length} passed`,
    'scale-up':
      'skipped' in up
        ? 'no deployment configured'
        : `0 → ${up.replicas}, ${up.readyReplicas} ready, in ${seconds(up.durationMs)}`,
  };
  const skipped = new Set([...('skipped' in down ? ['scale-down'] : []), ...('skipped' in up ? ['scale-up'] : [])]);
  const items: ProgressItem[] = restoreStepTitles.map((s) => ({
    id: s.name,
    title: s.title,
    status: skipped.has(s.name) ? 'skipped' : 'succeeded',
    value: values[s.name],
  }));
  // Without a deployment nothing was scaled: say why, so nobody looks for pods that were never touched.
  const scaling = 'skipped' in down ? [`Deployment: nothing was scaled; ${down.reason}.`] : [];
  return {
    status: 'ok',
    headline: `Restored ${target.service.displayName} (${target.environment}) from ${o.restore.key}`,
    items,
    details: [
      {
        title: 'Restore',
        lines: [
          `Backup: ${o.restore.key} · ${formatBytes(o.restore.size)} · ${kind}`,
          `Pre-restore backup: ${o['pre-restore-backup'].key} · ${formatBytes(o['pre-restore-backup'].size)}`,
          `Roll back with: ${target.service.command} restore ${o['pre-restore-backup'].key} --env ${target.environment}`,
          ...scaling,
        ],
      },
      {
        title: 'Verification',
        lines:
          o.verify.results.length > 0
            ? o.verify.results.map((r) => `${r.ok ? '✓' : '✗'} ${r.name} = ${r.value ?? '?'} (≥ ${r.min})`)
            : ['No verification queries are configured.'],
      },
    ],
  };
}
