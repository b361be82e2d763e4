import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/**
 * Renders a vega-lite spec to an SVG string headlessly: compiled to vega, then run by a View with the 'none'
 * renderer, which needs no DOM or canvas. Loading data from URLs is refused; charts carry their data inline.
 */
export async function renderVegaLiteSvg(spec: TopLevelSpec): Promise<string> {
  const runtime = parse(compile(spec).spec);
  const view = new View(runtime, { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
