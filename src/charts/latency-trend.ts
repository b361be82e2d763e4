import { type LatencyTrendInput, latencyTrendSpec } from './latency-trend-spec.js';
import { svgToPng } from './svg-to-png.js';
import { renderVegaLiteSvg } from './vega-svg.js';

/** What a latency trend chart shows (re-exported so callers need only this module). */
export type { LatencyTrendInput } from './latency-trend-spec.js';

/** The latency trend chart as SVG (the same drawing the PNG is made from). */
export function renderLatencyTrendSvg(input: LatencyTrendInput): Promise<string> {
  return renderVegaLiteSvg(latencyTrendSpec(input));
}

/** The latency trend chart as a PNG of exactly width × height pixels, for upload to Slack. */
export async function renderLatencyTrendPng(
  input: LatencyTrendInput,
  opts: { signal?: AbortSignal } = {},
): Promise<Buffer> {
  return svgToPng(await renderLatencyTrendSvg(input), opts);
}
