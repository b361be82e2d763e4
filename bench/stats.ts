import { loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';

/** The q-quantile (0..1) of the samples, nearest-rank. */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

/** Formats milliseconds for the bench table. */
export function ms(value: number): string {
  return `${value.toFixed(1)} ms`;
}

/** The machine's load average (1, 5, 15 min), printed beside every figure: these machines are noisy. */
export function loadAverage(): string {
  return `load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`;
}

/** Slack limit violations the stand-in recorded, summarised: how many, of which kind, and the closest gap. */
export function describeViolations(violations: readonly { kind: 'window' | 'early'; ms: number }[]): string {
  if (violations.length === 0) return '0 Slack limit violations';
  const windows = violations.filter((v) => v.kind === 'window');
  const early = violations.length - windows.length;
  const closest = windows.length > 0 ? `, closest gap ${Math.min(...windows.map((v) => v.ms)).toFixed(0)} ms` : '';
  return `${violations.length} Slack limit violations (${windows.length} too close in a window${closest}; ${early} before a Retry-After)`;
}

/**
 * Watches this process's event loop. The Slack stand-in runs here and stamps each call's arrival when its handler
 * starts, so a stall here compresses the gaps it measures: print the worst stall beside any violation.
 */
export function watchEventLoop(): { worstStall(): string } {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  return {
    worstStall: () => `worst event-loop stall in the stand-in's process ${(histogram.max / 1e6).toFixed(0)} ms`,
  };
}
