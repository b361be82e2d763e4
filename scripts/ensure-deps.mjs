// Installs the project's npm dependencies when they are missing or older than package-lock.json, so `npm start`
// and `npm test` work from a fresh clone. Runs before those scripts; does nothing when node_modules is current.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

const marker = 'node_modules/.package-lock.json';
const stale = !existsSync(marker) || statSync(marker).mtimeMs < statSync('package-lock.json').mtimeMs;
if (stale) {
  console.error('[ensure-deps] installing npm dependencies…');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  // Not `npm ci`: it refuses lock files without other platforms' optional packages; this installs the locked versions.
  const result = spawnSync(npm, ['install', '--no-audit', '--no-fund', '--no-save'], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
