import { loadavg } from 'node:os';

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
