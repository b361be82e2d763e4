import { type CapacityForecastInput, capacityForecastSpec } from './capacity-forecast-spec.js';
import { svgToPng } from './svg-to-png.js';
import { renderVegaLiteSvg } from './vega-svg.js';

/** The capacity forecast chart as a PNG of exactly width × height pixels, for upload to Slack. */
export async function renderCapacityForecastPng(
  input: CapacityForecastInput,
  opts: { signal?: AbortSignal } = {},
): Promise<Buffer> {
  return svgToPng(await renderVegaLiteSvg(capacityForecastSpec(input)), opts);
}
