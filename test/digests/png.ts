import { inflateSync } from 'node:zlib';

const magic = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A PNG's chunks in file order. */
function chunks(png: Buffer): { type: string; data: Buffer }[] {
  if (!png.subarray(0, 8).equals(magic)) throw new Error('not a PNG: bad signature');
  const out: { type: string; data: Buffer }[] = [];
  let at = 8;
  while (at + 8 <= png.length) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    out.push({ type, data: png.subarray(at + 8, at + 8 + length) });
    at += 12 + length;
  }
  return out;
}

/** The IHDR of a PNG: size, bit depth and colour type (6 is RGBA). */
export function pngHeader(png: Buffer): { width: number; height: number; bitDepth: number; colorType: number } {
  const ihdr = chunks(png)[0];
  if (ihdr?.type !== 'IHDR') throw new Error('not a PNG: IHDR is not the first chunk');
  return {
    width: ihdr.data.readUInt32BE(0),
    height: ihdr.data.readUInt32BE(4),
    bitDepth: ihdr.data[8] ?? 0,
    colorType: ihdr.data[9] ?? 0,
  };
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Decodes an 8-bit RGBA, non-interlaced PNG (what resvg writes) to its pixels, undoing the row filters. */
export function decodeRgba(png: Buffer): { width: number; height: number; pixels: Buffer } {
  const { width, height, bitDepth, colorType } = pngHeader(png);
  if (bitDepth !== 8 || colorType !== 6)
    throw new Error(`unsupported PNG: depth ${bitDepth}, colour type ${colorType}`);
  const raw = inflateSync(Buffer.concat(chunks(png).flatMap((c) => (c.type === 'IDAT' ? [c.data] : []))));
  const stride = width * 4;
  const pixels = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)] ?? 0;
    const row = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const left = x >= 4 ? (pixels[y * stride + x - 4] ?? 0) : 0;
      const up = y > 0 ? (pixels[(y - 1) * stride + x] ?? 0) : 0;
      const upLeft = x >= 4 && y > 0 ? (pixels[(y - 1) * stride + x - 4] ?? 0) : 0;
      const predictor = [0, left, up, (left + up) >> 1, paeth(left, up, upLeft)][filter] ?? 0;
      pixels[y * stride + x] = ((row[x] ?? 0) + predictor) & 0xff;
    }
  }
  return { width, height, pixels };
}

/** How many pixels in the box are within `tolerance` of the colour. */
export function countColor(
  image: { width: number; pixels: Buffer },
  rgb: [number, number, number],
  box: { x0: number; y0: number; x1: number; y1: number },
  tolerance = 24,
): number {
  let n = 0;
  for (let y = box.y0; y < box.y1; y++) {
    for (let x = box.x0; x < box.x1; x++) {
      const i = (y * image.width + x) * 4;
      const close = rgb.every((v, k) => Math.abs((image.pixels[i + k] ?? 0) - v) <= tolerance);
      if (close) n++;
    }
  }
  return n;
}
