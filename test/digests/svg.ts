/** One element of an SVG as vega writes it, placed by the translates of its groups and its own. */
export interface SvgNode {
  tag: string;
  attrs: Record<string, string>;
  /** Where its own origin lands in the image: every enclosing and its own leading translate(x,y) summed. */
  x: number;
  y: number;
  /** The text directly inside it (a <text>'s label). */
  text: string;
  /** The class attributes of the groups it sits in, outermost first. */
  groups: string[];
  /** The aria-labels of the groups it sits in that have one ("Y-axis titled …", "Symbol legend for …"). */
  groupLabels: string[];
}

/** A box in image pixels. */
export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

function leadingTranslate(transform: string | undefined): [number, number] {
  const m = /^translate\(\s*(-?[\d.e+-]+)[ ,]+(-?[\d.e+-]+)\s*\)/.exec(transform ?? '');
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}

function decodeEntities(text: string): string {
  return text.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&quot;', '"').replaceAll('&amp;', '&');
}

/**
 * Parses vega's SVG output into its elements in document order (enough of SVG for vega's writer: nested groups
 * placed by translate, attributes in double quotes; rotations, used only for axis titles, are ignored).
 */
export function parseSvg(svg: string): SvgNode[] {
  const nodes: SvgNode[] = [];
  const stack: { x: number; y: number; cls: string; label?: string }[] = [{ x: 0, y: 0, cls: '' }];
  const tag = /<(\/?)([a-zA-Z][\w-]*)((?:\s+[\w:-]+="[^"]*")*)\s*(\/?)>/g;
  for (let m = tag.exec(svg); m !== null; m = tag.exec(svg)) {
    const [, closing, name = '', rawAttrs = '', selfClosing] = m;
    if (closing) {
      if (name === 'g') stack.pop();
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of rawAttrs.matchAll(/([\w:-]+)="([^"]*)"/g)) attrs[a[1] ?? ''] = decodeEntities(a[2] ?? '');
    const parent = stack.at(-1) ?? { x: 0, y: 0, cls: '' };
    const [dx, dy] = leadingTranslate(attrs.transform);
    const textEnd = svg.indexOf('<', tag.lastIndex);
    const node: SvgNode = {
      tag: name,
      attrs,
      x: parent.x + dx,
      y: parent.y + dy,
      text: decodeEntities(svg.slice(tag.lastIndex, textEnd < 0 ? undefined : textEnd)),
      groups: stack.slice(1).map((g) => g.cls),
      groupLabels: stack.flatMap((g) => (g.label === undefined ? [] : [g.label])),
    };
    nodes.push(node);
    if (name === 'g' && !selfClosing)
      stack.push({ x: node.x, y: node.y, cls: attrs.class ?? '', label: attrs['aria-label'] });
  }
  return nodes;
}

/** Whether the node sits inside a group whose class list holds `cls`. */
export function inGroup(node: SvgNode, cls: string): boolean {
  return node.groups.some((g) => g.split(/\s+/).includes(cls));
}

/** The box a vega background path (`M x,y h w v h h -w Z`) covers, placed at the node. */
export function backgroundBox(node: SvgNode): Box {
  const m = /^M(-?[\d.]+),(-?[\d.]+)h([\d.]+)v([\d.]+)/.exec(node.attrs.d ?? '');
  if (!m) throw new Error(`not a rectangle path: ${node.attrs.d}`);
  const x0 = node.x + Number(m[1]);
  const y0 = node.y + Number(m[2]);
  return { x0, y0, x1: x0 + Number(m[3]), y1: y0 + Number(m[4]) };
}

/** Whether two boxes share any area. */
export function overlaps(a: Box, b: Box): boolean {
  return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
}
