/** The weekly report's statistics of a latency series (THERMALIQ guide: mean, median, max, > 2σ anomalies). */
export interface LatencyTrend {
  points: number;
  mean: number;
  median: number;
  max: number;
  /** Points above mean + 2 standard deviations. */
  anomalies: Array<[number, number]>;
}

/** Mean, median, max and the points above mean + 2σ (sample standard deviation, as pandas computes it). */
export function latencyTrend(series: ReadonlyArray<[number, number]>): LatencyTrend | undefined {
  const values = series.map(([, v]) => v).filter((v) => Number.isFinite(v));
  if (values.length === 0) return undefined;
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
  const variance = values.length > 1 ? values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1) : 0;
  const limit = mean + 2 * Math.sqrt(variance);
  return {
    points: values.length,
    mean,
    median,
    max: sorted.at(-1) ?? 0,
    anomalies: series.filter(([, v]) => Number.isFinite(v) && v > limit),
  };
}
