import { z } from 'zod';
import { formatBytes, formatSeconds } from '../health/checks/format.js';
import type { ProgressItem, RunReport } from '../report.js';
import type { RunTarget } from '../runbook.js';
import { restoreStepTitles } from './restore-steps.js';

const duration = z.number().nonnegative();
const outputsSchema = z.object({
  'scale-down': z.object({ from: z.number(), durationMs: duration }),
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
  'scale-up': z.object({ replicas: z.number(), readyReplicas: z.number(), durationMs: duration }),
});

const seconds = (ms: number) => formatSeconds(ms / 1000);

/** The finished restore: what was restored into what, the safety copy, the checks and each step's duration. */
export function restoreReport(target: RunTarget, outputs: Readonly<Record<string, unknown>>): RunReport {
  const o = outputsSchema.parse(outputs);
  const kind = `${o.restore.format === 'plain' ? 'plain SQL' : 'custom format'}${o.restore.gzipped ? ', gzipped' : ''}`;
  const values: Record<string, string> = {
    'scale-down': `${o['scale-down'].from} → 0 in ${seconds(o['scale-down'].durationMs)}`,
    'pre-restore-backup': `${formatBytes(o['pre-restore-backup'].size)} in ${seconds(o['pre-restore-backup'].durationMs)}`,
    restore: `${formatBytes(o.restore.size)} (${kind}) in ${seconds(o.restore.durationMs)}`,
    verify: `${o.verify.results.filter((r) => r.ok).length}/${o.verify.results.length} passed`,
    'scale-up': `0 → ${o['scale-up'].replicas}, ${o['scale-up'].readyReplicas} ready, in ${seconds(o['scale-up'].durationMs)}`,
  };
  const items: ProgressItem[] = restoreStepTitles.map((s) => ({
    id: s.name,
    title: s.title,
    status: 'succeeded',
    value: values[s.name],
  }));
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
