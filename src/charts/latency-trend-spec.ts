import type { TopLevelSpec } from 'vega-lite';
import type { AnomalyReport, SeriesPoint } from './anomalies.js';

/** What a latency trend chart shows. */
export interface LatencyTrendInput {
  /** [unix seconds, latency in seconds], e.g. a Prometheus range query. */
  points: readonly SeriesPoint[];
  /** The series' anomalies, from detectAnomalies(points). */
  anomalies: AnomalyReport;
  /** Pixel size of the whole image, axes and legend included. */
  width: number;
  height: number;
  title: string;
  /** The latency objective, drawn as a line when given. */
  sloSeconds?: number;
}

/** The font the chart names; resvg is told to use it too, so measuring and drawing agree. */
export const chartFont = 'DejaVu Sans';

/** Labels of the reference lines and marks, as the legend shows them. */
export const trendLabels = {
  latency: 'p95 latency',
  mean: 'mean',
  anomalyLine: 'mean + 2σ',
  slo: 'SLO',
  anomaly: 'anomaly (> 2σ)',
} as const;

/** The legend's entries in order, each with the colour its mark is drawn in. */
export const trendColours: readonly (readonly [label: string, colour: string])[] = [
  [trendLabels.latency, '#1f77b4'],
  [trendLabels.mean, '#7f7f7f'],
  [trendLabels.anomalyLine, '#ff7f0e'],
  [trendLabels.slo, '#9467bd'],
  [trendLabels.anomaly, '#d62728'],
];

/**
 * The vega-lite spec of a latency trend (pure): the series as a line, dashed rules at the mean, at mean + 2σ and at
 * the SLO, and each anomaly as a red point. Times are milliseconds on a UTC axis, as the guides schedule in UTC.
 */
export function latencyTrendSpec(input: LatencyTrendInput): TopLevelSpec {
  const { anomalies } = input;
  const series = input.points.map(([t, v]) => ({ time: t * 1000, seconds: v }));
  const rules: { label: string; seconds: number }[] = [];
  if (Number.isFinite(anomalies.mean)) {
    rules.push({ label: trendLabels.mean, seconds: anomalies.mean });
    rules.push({ label: trendLabels.anomalyLine, seconds: anomalies.threshold });
  }
  if (input.sloSeconds !== undefined) rules.push({ label: trendLabels.slo, seconds: input.sloSeconds });
  const marked = anomalies.anomalies.map(([t, v]) => ({ time: t * 1000, seconds: v, label: trendLabels.anomaly }));
  // One colour scale over every labelled layer gives one legend naming the series, the lines and the anomaly
  // points. Its domain is only what this chart draws: a legend entry without its mark would name nothing.
  const drawn = new Set<string>([trendLabels.latency, ...rules.map((r) => r.label)]);
  if (marked.length > 0) drawn.add(trendLabels.anomaly);
  const entries = trendColours.filter(([label]) => drawn.has(label));
  const color = {
    field: 'label',
    type: 'nominal',
    title: null,
    scale: { domain: entries.map(([label]) => label), range: entries.map(([, colour]) => colour) },
  } as const;
  const time = { field: 'time', type: 'temporal', title: 'Time (UTC)', scale: { type: 'utc' } } as const;
  const seconds = { field: 'seconds', type: 'quantitative', title: 'Latency (seconds)' } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: input.title,
    width: input.width,
    height: input.height,
    // "fit" with "padding" makes width × height the size of the whole image, not only of the plot area.
    autosize: { type: 'fit', contains: 'padding' },
    background: 'white',
    config: {
      font: chartFont,
      axis: { labelFontSize: 12, titleFontSize: 13 },
      // Below the plot, outside it: a legend inside the plot area covers the data (the last hours, top right).
      legend: { labelFontSize: 12, orient: 'bottom', direction: 'horizontal' },
      title: { fontSize: 16 },
    },
    layer: [
      {
        data: { name: 'latency', values: series },
        mark: { type: 'line', strokeWidth: 1.5 },
        encoding: {
          x: { ...time, axis: { format: '%a %d %b', tickCount: 7 } },
          y: seconds,
          color: { datum: trendLabels.latency, type: 'nominal', title: null },
        },
      },
      {
        data: { name: 'rules', values: rules },
        mark: { type: 'rule', strokeDash: [6, 4], strokeWidth: 1.5 },
        encoding: { y: { field: 'seconds', type: 'quantitative' }, color },
      },
      {
        data: { name: 'anomalies', values: marked },
        mark: { type: 'point', filled: true, size: 70, opacity: 1 },
        encoding: { x: time, y: seconds, color },
      },
    ],
  };
}
