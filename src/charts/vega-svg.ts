import type { TopLevelSpec } from 'vega-lite';

/**
 * Renders a vega-lite spec to an SVG string headlessly: compiled to vega, then run by a View with the 'none'
 * renderer, which needs no DOM or canvas. Loading data from URLs is refused; charts carry their data inline.
 * vega and vega-lite are loaded on the first chart (about 0.2 s), not when the process starts.
 */
export async function renderVegaLiteSvg(spec: TopLevelSpec): Promise<string> {
  const [{ parse, View }, { compile }] = await Promise.all([import('vega'), import('vega-lite')]);
  const runtime = parse(compile(spec).spec);
  const view = new View(runtime, { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
