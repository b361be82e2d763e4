import { readFile } from 'node:fs/promises';

/** A file the page loads, with its content type. */
export interface StaticAsset {
  contentType: string;
  body: Buffer;
}

const assets = {
  '/static/playground.js': 'text/javascript; charset=utf-8',
  '/static/dom.js': 'text/javascript; charset=utf-8',
  '/static/dialogs.js': 'text/javascript; charset=utf-8',
  '/static/shell.css': 'text/css; charset=utf-8',
  '/static/messages.css': 'text/css; charset=utf-8',
  '/static/blocks.css': 'text/css; charset=utf-8',
  '/static/dialogs.css': 'text/css; charset=utf-8',
} as const;

/** Reads the page's script and stylesheet from src/playground/static/ (once, at start). */
export async function loadStaticAssets(): Promise<Map<string, StaticAsset>> {
  const loaded = new Map<string, StaticAsset>();
  for (const [path, contentType] of Object.entries(assets)) {
    const file = new URL(`.${path}`, import.meta.url);
    loaded.set(path, { contentType, body: await readFile(file) });
  }
  return loaded;
}
