import { describe, expect, it } from 'vitest';
import { detectAnomalies, type SeriesPoint } from '../../src/charts/anomalies.js';
import { renderLatencyTrendPng, renderLatencyTrendSvg } from '../../src/charts/latency-trend.js';
import { latencyTrendSpec, trendLabels } from '../../src/charts/latency-trend-spec.js';
import { rasterizeSvg } from '../../src/charts/svg-to-png.js';
import { countColor, decodeRgba, pngHeader } from './png.js';

const start = 1_700_000_000;
const red: [number, number, number] = [0xd6, 0x27, 0x28];
const orange: [number, number, number] = [0xff, 0x7f, 0x0e];

function week(spikeAt?: number): SeriesPoint[] {
  return Array.from(
    { length: 169 },
    (_, i): SeriesPoint => [start + i * 3600, i === spikeAt ? 12 : 3 + 0.3 * Math.sin(i / 4)],
  );
}

function input(points: SeriesPoint[], size = { width: 1200, height: 600 }) {
  return { points, anomalies: detectAnomalies(points), ...size, title: 'THERMALIQ p95 latency – last 7 days' };
}

describe('latency trend chart', () => {
  it('is a PNG of exactly the requested width and height', async () => {
    for (const size of [
      { width: 1200, height: 600 },
      { width: 1200, height: 400 },
    ]) {
      const png = await renderLatencyTrendPng(input(week(100), size));
      expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
      expect(pngHeader(png)).toMatchObject(size);
    }
  });

  it('carries every point in its data and draws each as a vertex of the line', async () => {
    const points = week(100);
    const spec = latencyTrendSpec(input(points));
    const layers = 'layer' in spec ? spec.layer : [];
    const data = layers[0]?.data;
    expect(data && 'values' in data ? data.values : undefined).toEqual(
      points.map(([t, v]) => ({ time: t * 1000, seconds: v })),
    );
    const svg = await renderLatencyTrendSvg(input(points));
    const line = /class="mark-line role-mark[^"]*"[^>]*><path[^>]* d="([^"]+)"/.exec(svg)?.[1] ?? '';
    // One move to the first point, then one segment per further point.
    expect(line.match(/[ML]/g)?.length).toBe(points.length);
  });

  it('marks each anomaly as a red point with its value, and draws the mean + 2σ line', async () => {
    const points = week(100);
    const stats = detectAnomalies(points);
    const svg = await renderLatencyTrendSvg(input(points));
    const marks = [...svg.matchAll(/<path aria-label="([^"]*anomaly[^"]*)"[^>]*fill="#d62728"/g)].map((m) => m[1]);
    expect(marks).toHaveLength(1);
    expect(marks[0]).toContain('Latency (seconds): 12;');
    expect(svg).toContain(`seconds: ${Number(stats.threshold.toPrecision(12))}; label: ${trendLabels.anomalyLine}`);
    expect(svg).not.toContain(`label: ${trendLabels.slo}`);

    // In pixels: the spike adds red to the plot, and the 2σ rule is orange, compared with the same chart without it.
    const flatPoints = week();
    const withSpike = decodeRgba(await renderLatencyTrendPng(input(points)));
    const without = decodeRgba(await renderLatencyTrendPng(input(flatPoints)));
    // The plot area left of the legend; the spike sits on its top edge.
    const plot = { x0: 60, y0: 24, x1: 950, y1: 540 };
    expect(countColor(withSpike, red, plot)).toBeGreaterThan(30);
    expect(countColor(without, red, plot)).toBe(0);
    expect(countColor(withSpike, orange, plot)).toBeGreaterThan(200);
  });

  it('draws the SLO line when one is given', async () => {
    const svg = await renderLatencyTrendSvg({ ...input(week(100)), sloSeconds: 10 });
    expect(svg).toContain(`seconds: 10; label: ${trendLabels.slo}`);
  });

  it('renders its text with a real font (the title is drawn, not left blank)', async () => {
    const svg = await renderLatencyTrendSvg(input(week(100)));
    expect(svg).toContain('font-family="DejaVu Sans"');
    const image = await rasterizeSvg(svg);
    const pixels = { width: image.width, pixels: image.pixels };
    // The title band holds nothing but the title: dark pixels there are its glyphs.
    const dark = countColor(pixels, [0, 0, 0], { x0: 350, y0: 0, x1: 850, y1: 28 }, 90);
    expect(dark).toBeGreaterThan(300);
  });
});
