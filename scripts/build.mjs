// Compiles src/ to dist/ (what `npm start` and the image run), and copies the files the code reads at run time: the
// store's SQL migrations and the playground's page assets. With --if-stale it does nothing when dist/ is newer than
// every source, so `npm start` only pays for a build after a change.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const stamp = 'dist/.tsbuildinfo';
const assets = ['store/migrations', 'playground/static'];

function newest(path) {
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let latest = info.mtimeMs;
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}

if (process.argv.includes('--if-stale') && existsSync(stamp)) {
  const sources = Math.max(newest('src'), newest('tsconfig.json'), newest('tsconfig.build.json'));
  if (statSync(stamp).mtimeMs >= sources) process.exit(0);
}

console.error('[build] compiling src/ to dist/…');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
if (result.status !== 0) process.exit(result.status ?? 1);
for (const dir of assets) cpSync(join('src', dir), join('dist', dir), { recursive: true });
// tsc leaves its build info alone when nothing changed; the stamp must still say dist/ is current.
const now = new Date();
utimesSync(stamp, now, now);
