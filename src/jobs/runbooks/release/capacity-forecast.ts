/** One month of traffic: the end of its 30-day window (unix seconds) and the requests in it. */
export type MonthPoint = readonly [at: number, requests: number];

/** The least-squares line through the months, by month index (0 = oldest). */
export interface TrafficTrend {
  slope: number;
  intercept: number;
  /** Mean month-over-month change of the history (the THERMALIQ guide's growth rate); undefined under 2 months. */
  meanGrowth?: number;
  /** The forecast, one point per month after the last. */
  forecast: MonthPoint[];
}

/** Seconds in the 30-day months the capacity review counts in (the guide's `30 * 24 * 3600`). */
export const monthSeconds = 30 * 86_400;

/**
 * Fits y = intercept + slope × x over x = 0..n−1 (ordinary least squares, as the VCCI guide's LinearRegression) and
 * extends it `horizon` months past the last point; forecasts below zero are clamped to zero.
 */
export function forecastTraffic(history: readonly MonthPoint[], horizon: number): TrafficTrend {
  const n = history.length;
  const ys = history.map(([, y]) => y);
  const meanX = (n - 1) / 2;
  const meanY = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  ys.forEach((y, x) => {
    sxy += (x - meanX) * (y - meanY);
    sxx += (x - meanX) ** 2;
  });
  const slope = sxx === 0 ? 0 : sxy / sxx;
  const intercept = meanY - slope * meanX;
  const changes: number[] = [];
  for (let i = 1; i < n; i++) {
    const before = ys[i - 1] ?? 0;
    if (before > 0) changes.push((ys[i] ?? 0) / before - 1);
  }
  const last = history.at(-1)?.[0] ?? 0;
  const forecast = Array.from({ length: horizon }, (_, i): MonthPoint => {
    const x = n - 1 + i + 1;
    return [last + (i + 1) * monthSeconds, Math.max(0, intercept + slope * x)];
  });
  return {
    slope,
    intercept,
    meanGrowth: changes.length > 0 ? changes.reduce((a, b) => a + b, 0) / changes.length : undefined,
    forecast,
  };
}

/** Pods a month's requests need at `perPodPerSecond`, and with the buffer on top (both rounded up). */
export function podsFor(
  requests: number,
  perPodPerSecond: number,
  bufferPercent: number,
): { perSecond: number; pods: number; withBuffer: number } {
  const perSecond = requests / monthSeconds;
  const exact = perSecond / perPodPerSecond;
  return {
    perSecond,
    pods: Math.max(1, Math.ceil(exact - 1e-9)),
    withBuffer: Math.max(1, Math.ceil(exact * (1 + bufferPercent / 100) - 1e-9)),
  };
}
