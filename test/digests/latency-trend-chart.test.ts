import { describe, expect, it } from 'vitest';
import { detectAnomalies, type SeriesPoint } from '../../src/charts/anomalies.js';
import { renderLatencyTrendPng, renderLatencyTrendSvg } from '../../src/charts/latency-trend.js';
import { latencyTrendSpec, trendLabels } from '../../src/charts/latency-trend-spec.js';
import { rasterizeSvg } from '../../src/charts/svg-to-png.js';
import { countColor, decodeRgba, pngHeader } from './png.js';
import { backgroundBox, inGroup, overlaps, parseSvg, type SvgNode } from './svg.js';

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

/** The parts of a rendered chart a reader looks at: the plot area, the legend, the marks and the y axis. */
function chartParts(svg: string) {
  const nodes = parseSvg(svg);
  const after = (i: number, test: (n: SvgNode) => boolean) => nodes.slice(i + 1).find(test);
  const isBackground = (n: SvgNode) => n.tag === 'path' && n.attrs.class === 'background';
  const frame = nodes.findIndex((n) => n.tag === 'g' && (n.attrs.class ?? '').includes('role-frame'));
  const legendAt = nodes.findIndex((n) => n.tag === 'g' && n.attrs.class === 'mark-group role-legend');
  const plotPath = after(frame, isBackground);
  if (frame < 0 || !plotPath) throw new Error('no plot frame in the SVG');
  const legendPath = legendAt < 0 ? undefined : after(legendAt, isBackground);
  const colours = nodes.filter((n) => n.tag === 'path' && inGroup(n, 'role-legend-symbol')).map((n) => n.attrs.fill);
  const labels = nodes.filter((n) => n.tag === 'text' && inGroup(n, 'role-legend-label')).map((n) => n.text);
  const yAxis = (n: SvgNode) => n.groupLabels.some((l) => l.startsWith('Y-axis'));
  const ticks = nodes.filter((n) => n.tag === 'line' && inGroup(n, 'role-axis-tick') && yAxis(n));
  const tickValues = nodes.filter((n) => n.tag === 'text' && inGroup(n, 'role-axis-label') && yAxis(n));
  const [lo, hi] = [0, ticks.length - 1].map((i) => ({ y: ticks[i]?.y ?? 0, v: Number(tickValues[i]?.text) }));
  if (!lo || !hi || ticks.length < 2 || ticks.length !== tickValues.length) throw new Error('no y axis in the SVG');
  return {
    plot: backgroundBox(plotPath),
    legend: legendPath && backgroundBox(legendPath),
    entries: labels.map((label, i): [string, string | undefined] => [label, colours[i]]),
    marks: nodes.filter((n) => inGroup(n, 'role-mark') && n.attrs['aria-roledescription'] !== undefined),
    /** Where a value in seconds lands on the y axis, in image pixels. */
    yOf: (seconds: number) => lo.y + ((seconds - lo.v) * (hi.y - lo.y)) / (hi.v - lo.v),
  };
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
    // Inside the plot area (the legend is below it); the spike sits on its top edge.
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

  it('draws every line and point its legend names, the SLO at its value, and names nothing it does not draw', async () => {
    const cases = [
      { name: 'spike and SLO', points: week(100), sloSeconds: 10 },
      { name: 'spike, no SLO', points: week(100) },
      { name: 'calm week and SLO', points: week(), sloSeconds: 5 },
      { name: 'calm week, no SLO', points: week() },
    ];
    for (const c of cases) {
      const { entries, marks, yOf } = chartParts(await renderLatencyTrendSvg({ ...input(c.points), ...c }));
      const drawnColours = new Set(marks.flatMap((m) => [m.attrs.stroke, m.attrs.fill]));
      // Each legend entry is a colour some line or point of the plot is drawn in…
      for (const [label, colour] of entries)
        expect([c.name, label, drawnColours.has(colour)]).toEqual([c.name, label, true]);
      // …and each drawn colour has its legend entry.
      const named = new Set(entries.map(([, colour]) => colour));
      for (const m of marks)
        expect([c.name, m.attrs.stroke ?? m.attrs.fill, named.has(m.attrs.stroke ?? m.attrs.fill)]).toEqual([
          c.name,
          m.attrs.stroke ?? m.attrs.fill,
          true,
        ]);
      const sloColour = entries.find(([label]) => label === trendLabels.slo)?.[1];
      if (c.sloSeconds === undefined) {
        expect(sloColour).toBeUndefined();
        continue;
      }
      const rule = marks.find((m) => m.tag === 'line' && m.attrs.stroke === sloColour);
      expect(rule, c.name).toBeDefined();
      expect(Math.abs((rule?.y ?? Number.NaN) - yOf(c.sloSeconds))).toBeLessThan(1);
      expect(rule?.attrs.y2).toBe('0');
    }
  });

  it('keeps its legend outside the plot area, off the data and the last point', async () => {
    const points = week(168);
    const svg = await renderLatencyTrendSvg({ ...input(points), sloSeconds: 10 });
    const { plot, legend, marks } = chartParts(svg);
    if (!legend) throw new Error('no legend drawn');
    expect(overlaps(legend, plot)).toBe(false);
    // Inside the image: a legend pushed off the canvas would not be read either.
    expect(legend.x0).toBeGreaterThanOrEqual(0);
    expect(legend.y1).toBeLessThanOrEqual(600);
    const last = marks.find((m) => (m.attrs['aria-label'] ?? '').includes('Latency (seconds): 12;'));
    if (!last) throw new Error('the last point is not drawn');
    const around = { x0: last.x - 5, y0: last.y - 5, x1: last.x + 5, y1: last.y + 5 };
    expect(overlaps(legend, around)).toBe(false);
  });
});
