import { z } from 'zod';
import { countOf } from '../../../format/words.js';
import { formatBytes, formatSeconds } from '../../health/checks/format.js';
import type { ProgressItem, RunReport } from '../../report.js';
import type { RunTarget } from '../../runbook.js';
import { skipOf, stepSkippedSchema } from '../../step-skipped.js';
import { rollbackCommand } from './restore-plan.js';
import { restoreStepTitles } from './restore-titles.js';

const skipped = stepSkippedSchema;
const duration = z.number().nonnegative();
const check = z.object({
  name: z.string(),
  min: z.number().optional(),
  value: z.number().optional(),
  error: z.string().optional(),
  ok: z.boolean(),
});
const kind = { format: z.enum(['plain', 'custom']), gzipped: z.boolean() };
const outputsSchema = z.object({
  'restore-side': z.union([
    skipped,
    z.object({ database: z.string(), size: z.number(), durationMs: duration, ...kind }),
  ]),
  'verify-side': z.union([skipped, z.object({ database: z.string().nullable(), results: z.array(check) })]),
  'pre-restore-backup': z.union([skipped, z.object({ key: z.string(), size: z.number(), durationMs: duration })]),
  'scale-down': z.union([skipped, z.object({ from: z.number(), durationMs: duration, downAt: z.number() })]),
  cutover: z.object({
    run: z.string(),
    mode: z.enum(['side-by-side', 'in-place', 'swap-back']),
    /** The backup restored; null for a swap-back. */
    backup: z.string().nullable().optional(),
    /** The run a swap-back undid. */
    rollbackOf: z.string().nullable().optional(),
    durationMs: duration,
    sessionsEnded: z.number().optional(),
    format: kind.format.optional(),
    gzipped: z.boolean().optional(),
  }),
  'scale-up': z.union([
    skipped,
    z.object({ replicas: z.number(), readyReplicas: z.number(), durationMs: duration, upAt: z.number() }),
  ]),
  verify: z.object({ results: z.array(check) }),
});
type Outputs = z.infer<typeof outputsSchema>;

const seconds = (ms: number) => formatSeconds(ms / 1000);
const checkLine = (r: z.infer<typeof check>) =>
  `${r.ok ? '✓' : '✗'} ${r.name}${r.min === undefined ? '' : ` = ${r.value ?? '?'} (≥ ${r.min})`}${r.error ? `: ${r.error}` : ''}`;

/** How long production could not serve: scale-down to ready again, or the cutover alone when nothing was scaled. */
export function downtimeMs(o: Pick<Outputs, 'scale-down' | 'scale-up' | 'cutover'>): number {
  const down = o['scale-down'];
  const up = o['scale-up'];
  if ('downAt' in down && 'upAt' in up) return Math.max(0, up.upAt - down.downAt);
  return o.cutover.durationMs;
}

/** A skipped step in the report's few words. */
const brief = (s: z.infer<typeof skipped>) => s.short ?? s.reason;

/** The step values as the report lists them. */
function stepValues(o: Outputs): Record<string, string> {
  const side = o['restore-side'];
  const pre = o['pre-restore-backup'];
  const down = o['scale-down'];
  const up = o['scale-up'];
  const c = o.cutover;
  return {
    'restore-side': 'skipped' in side ? brief(side) : `into ${side.database} in ${seconds(side.durationMs)}`,
    'verify-side':
      'skipped' in o['verify-side']
        ? brief(o['verify-side'])
        : `${countOf(o['verify-side'].results.length, 'check')} passed`,
    'pre-restore-backup': 'skipped' in pre ? brief(pre) : `${formatBytes(pre.size)} in ${seconds(pre.durationMs)}`,
    'scale-down': 'skipped' in down ? brief(down) : `${down.from} → 0 in ${seconds(down.durationMs)}`,
    cutover:
      c.mode === 'in-place'
        ? `restored in place in ${seconds(c.durationMs)}`
        : `databases swapped in ${seconds(c.durationMs)}${c.sessionsEnded ? `, ${countOf(c.sessionsEnded, 'session')} ended` : ''}`,
    'scale-up':
      'skipped' in up ? brief(up) : `0 → ${up.replicas}, ${up.readyReplicas} ready, in ${seconds(up.durationMs)}`,
    verify: `${o.verify.results.filter((r) => r.ok).length}/${o.verify.results.length} passed`,
  };
}

/** The finished restore (or rollback): what went where, how long production was down, the checks. */
export function restoreReport(target: RunTarget, outputs: Readonly<Record<string, unknown>>): RunReport {
  const o = outputsSchema.parse(outputs);
  const values = stepValues(o);
  const items: ProgressItem[] = restoreStepTitles.map((s) => {
    const out = o[s.name];
    return {
      id: s.name,
      title: s.title,
      // The same test the worker records the step's outcome by, so the report and `run <id>` agree.
      status: skipOf(out) ? 'skipped' : 'succeeded',
      value: values[s.name],
    };
  });
  const down = downtimeMs(o);
  const side = o['restore-side'];
  const pre = o['pre-restore-backup'];
  const swapBack = o.cutover.mode === 'swap-back';
  const lines = [
    `Production was down for ${seconds(down)} (${'downAt' in o['scale-down'] ? 'from scale-down to ready again' : 'the cutover; nothing was scaled'}).`,
    `Mode: ${o.cutover.mode === 'in-place' ? 'in place' : swapBack ? 'rollback (the kept database swapped back)' : 'side by side'}.`,
    ...('skipped' in side
      ? []
      : [
          `Restored into ${side.database} (${side.format === 'plain' ? 'plain SQL' : 'custom format'}${side.gzipped ? ', gzipped' : ''}, ${formatBytes(side.size)}), then swapped in.`,
        ]),
    ...('skipped' in pre ? [] : [`Pre-restore dump: ${pre.key} · ${formatBytes(pre.size)}`]),
    ...(swapBack ? [] : [`Roll back with: ${rollbackCommand(target, o.cutover.run)}`]),
  ];
  return {
    status: 'ok',
    headline: `${swapBack ? `Rolled back restore ${o.cutover.rollbackOf ?? ''} of` : 'Restored'} ${target.service.displayName} (${target.environment})${o.cutover.backup ? ` from ${o.cutover.backup}` : ''}; production was down ${seconds(down)}`,
    items,
    details: [
      { title: swapBack ? 'Rollback' : 'Restore', lines },
      {
        title: 'Verification',
        lines: [
          ...('skipped' in o['verify-side']
            ? []
            : o['verify-side'].results.map((r) => `before the cutover: ${checkLine(r)}`)),
          ...o.verify.results.map((r) => `production: ${checkLine(r)}`),
        ],
      },
    ],
  };
}
