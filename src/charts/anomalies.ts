/** A sample of a time series: [unix seconds, value]. */
export type SeriesPoint = [number, number];

/** A series' mean and spread, and the points above the anomaly line. */
export interface AnomalyReport {
  mean: number;
  /** Sample standard deviation (n − 1), as pandas' `std()` in the THERMALIQ weekly analysis computes it. */
  std: number;
  /** mean + 2σ: a point strictly above it is an anomaly. */
  threshold: number;
  /** The anomalous points in time order. */
  anomalies: SeriesPoint[];
}

// The THERMALIQ guide's weekly analysis: "Detect anomalies (> 2 std devs from mean)", upward only.
const sigmas = 2;

/**
 * Finds the points more than 2σ above the series' mean (pure). Fewer than two points have no spread, so nothing
 * is anomalous; neither is anything in a flat series, where the threshold equals every value.
 */
export function detectAnomalies(points: readonly SeriesPoint[]): AnomalyReport {
  const values = points.map(([, v]) => v).filter((v) => Number.isFinite(v));
  if (values.length === 0) return { mean: Number.NaN, std: 0, threshold: Number.NaN, anomalies: [] };
  const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
  const std =
    values.length < 2 ? 0 : Math.sqrt(values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (values.length - 1));
  const threshold = mean + sigmas * std;
  const anomalies = points
    .filter(([, v]) => Number.isFinite(v) && v > threshold)
    .map(([t, v]): SeriesPoint => [t, v])
    .sort((a, b) => a[0] - b[0]);
  return { mean, std, threshold, anomalies };
}
