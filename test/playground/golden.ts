import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

const dir = fileURLToPath(new URL('./golden/', import.meta.url));

/**
 * Compares rendered HTML with `test/playground/golden/<name>.html`. `UPDATE_GOLDEN=1` rewrites the file; a missing
 * file fails, so a new case can't pass before someone has looked at its output.
 */
export function expectGolden(name: string, html: string): void {
  const file = `${dir}${name}.html`;
  const actual = `${html}\n`;
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, actual);
  if (!existsSync(file)) throw new Error(`no golden file ${file}: run with UPDATE_GOLDEN=1, then review it`);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}
