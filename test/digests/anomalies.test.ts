import { describe, expect, it } from 'vitest';
import { detectAnomalies, type SeriesPoint } from '../../src/charts/anomalies.js';

const start = 1_700_000_000;

/** A week of hourly points around 3 s with a small daily wave. */
function week(spikes: Record<number, number> = {}): SeriesPoint[] {
  return Array.from({ length: 168 }, (_, i): SeriesPoint => [start + i * 3600, spikes[i] ?? 3 + 0.3 * Math.sin(i / 4)]);
}

describe('detectAnomalies', () => {
  it('reports exactly the spike, with the mean and sample σ as pandas computes them', () => {
    const points = week({ 100: 14 });
    const report = detectAnomalies(points);
    expect(report.anomalies).toEqual([[start + 100 * 3600, 14]]);
    const values = points.map(([, v]) => v);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const std = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1));
    expect(report.mean).toBeCloseTo(mean, 12);
    expect(report.std).toBeCloseTo(std, 12);
    expect(report.threshold).toBeCloseTo(mean + 2 * std, 12);
  });

  it('flags only points above mean + 2σ, never dips below the mean', () => {
    const report = detectAnomalies(week({ 10: 9, 50: 0.01, 120: 11 }));
    expect(report.anomalies.map(([t]) => (t - start) / 3600)).toEqual([10, 120]);
  });

  it('finds nothing in a flat series, a single point or no points', () => {
    expect(detectAnomalies(week().map(([t]): SeriesPoint => [t, 2.5])).anomalies).toEqual([]);
    expect(detectAnomalies([[start, 40]])).toMatchObject({ mean: 40, std: 0, anomalies: [] });
    expect(detectAnomalies([]).anomalies).toEqual([]);
  });

  it('returns anomalies in time order whatever order the points came in', () => {
    const points = week({ 20: 12, 140: 13 }).reverse();
    expect(detectAnomalies(points).anomalies.map(([t]) => t)).toEqual([start + 20 * 3600, start + 140 * 3600]);
  });
});
