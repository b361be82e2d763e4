import type { TopLevelSpec } from 'vega-lite';
import { chartFont } from './latency-trend-spec.js';

/** What a capacity forecast chart shows. */
export interface CapacityForecastInput {
  /** [unix seconds, requests in the month ending then], oldest first. */
  history: readonly (readonly [number, number])[];
  /** The forecast months after the last history point. */
  forecast: readonly (readonly [number, number])[];
  width: number;
  height: number;
  title: string;
}

/** Labels of the two series, as the legend shows them. */
export const forecastLabels = { history: 'requests per month', forecast: 'linear forecast' } as const;

/** Each series' colour (the history as the latency chart's line, the forecast in orange). */
export const forecastColours: readonly (readonly [label: string, colour: string])[] = [
  [forecastLabels.history, '#1f77b4'],
  [forecastLabels.forecast, '#ff7f0e'],
];

/**
 * The vega-lite spec of a capacity forecast (pure): the monthly history as a solid line with points, the forecast
 * as a dashed line of another colour that starts at the last real month, so the two join without looking alike.
 * The legend sits below the plot and names only the series drawn.
 */
export function capacityForecastSpec(input: CapacityForecastInput): TopLevelSpec {
  const history = input.history.map(([t, v]) => ({ time: t * 1000, requests: v, label: forecastLabels.history }));
  const last = history.at(-1);
  const months = input.forecast.map(([t, v]) => ({ time: t * 1000, requests: v, label: forecastLabels.forecast }));
  // The dashed line starts at the last real month so the two join; its markers are the forecast months only.
  const forecast = [...(last && months.length > 0 ? [{ ...last, label: forecastLabels.forecast }] : []), ...months];
  const entries = forecastColours.filter(([label]) =>
    label === forecastLabels.history ? history.length > 0 : forecast.length > 0,
  );
  const color = {
    field: 'label',
    type: 'nominal',
    title: null,
    scale: { domain: entries.map(([l]) => l), range: entries.map(([, c]) => c) },
  } as const;
  const time = {
    field: 'time',
    type: 'temporal',
    title: 'Month (UTC)',
    scale: { type: 'utc' },
    axis: { format: '%b %Y' },
  } as const;
  const requests = { field: 'requests', type: 'quantitative', title: 'Requests per 30 days' } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: input.title,
    width: input.width,
    height: input.height,
    autosize: { type: 'fit', contains: 'padding' },
    // Room for the last forecast marker at the right edge.
    padding: { left: 5, top: 5, bottom: 5, right: 20 },
    background: 'white',
    config: {
      font: chartFont,
      axis: { labelFontSize: 12, titleFontSize: 13 },
      // Below the plot: inside, it would cover the newest months, where the forecast is.
      legend: { labelFontSize: 12, labelLimit: 0, orient: 'bottom', direction: 'horizontal' },
      title: { fontSize: 16 },
    },
    layer: [
      {
        data: { name: 'history', values: history },
        mark: { type: 'line', strokeWidth: 2, point: { filled: true, size: 50 } },
        encoding: { x: time, y: requests, color },
      },
      {
        data: { name: 'forecast', values: forecast },
        mark: { type: 'line', strokeWidth: 2, strokeDash: [8, 5] },
        encoding: { x: time, y: requests, color },
      },
      {
        data: { name: 'forecast-months', values: months },
        mark: { type: 'point', filled: false, size: 50, strokeWidth: 2 },
        encoding: { x: time, y: requests, color },
      },
    ],
  };
}
