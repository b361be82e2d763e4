import { type RenderedImage, renderAsync } from '@resvg/resvg-js';
import { chartFont } from './latency-trend-spec.js';

/**
 * Rasterizes an SVG with resvg (off the event loop), using the system's fonts with DejaVu Sans for the generic
 * and unnamed families: without a default, text in a font resvg cannot find would silently not be drawn.
 */
export function rasterizeSvg(svg: string, opts: { signal?: AbortSignal } = {}): Promise<RenderedImage> {
  return renderAsync(
    svg,
    {
      font: { loadSystemFonts: true, defaultFontFamily: chartFont, sansSerifFamily: chartFont },
      background: 'white',
      fitTo: { mode: 'original' },
      logLevel: 'off',
    },
    opts.signal,
  );
}

/** The SVG as a PNG of the SVG's own pixel size. */
export async function svgToPng(svg: string, opts: { signal?: AbortSignal } = {}): Promise<Buffer> {
  return (await rasterizeSvg(svg, opts)).asPng();
}
