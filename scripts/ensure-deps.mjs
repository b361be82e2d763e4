// Installs the project's npm dependencies when they are missing or older than package-lock.json, so `npm start`
// and `npm test` work from a fresh clone on any Node >= 20. Runs before those scripts; does nothing when
// node_modules is current.
//
// The project runs on the Node 24 that its `node` devDependency installs into node_modules/.bin (npm scripts put
// that directory first on PATH). The install itself runs on Node 24 too: npm on an older Node warns about every
// package that needs a newer one. So on an older Node this first fetches the locked Node build into .cache/runtime
// (a few seconds, from the npm cache after the first time), then runs `npm ci` with it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const marker = 'node_modules/.package-lock.json';
const stale = !existsSync(marker) || statSync(marker).mtimeMs < statSync('package-lock.json').mtimeMs;
if (!stale) process.exit(0);

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const run = (command, args) => {
  const result = spawnSync(command, args, { stdio: 'inherit' });
  if (result.error) {
    console.error(`[ensure-deps] ${command} could not start: ${result.error.message}`);
    process.exit(1);
  }
  if (result.status !== 0) process.exit(result.status ?? 1);
};
const major = (version) => Number(/^v?(\d+)/.exec(version)?.[1] ?? 0);

const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
const lockedNode = lock.packages?.['node_modules/node']?.version;
// npm sets npm_execpath for its scripts; run directly (CI), ask npm where it lives.
const npmCli =
  process.env.npm_execpath ??
  [join(spawnSync(npm, ['root', '-g'], { encoding: 'utf8' }).stdout?.trim() ?? '', 'npm', 'bin', 'npm-cli.js')].find(
    (path) => existsSync(path),
  );
let runtime = process.execPath;
if (lockedNode && major(process.version) < major(lockedNode) && npmCli) {
  const prefix = resolve('.cache/runtime');
  runtime = join(prefix, 'node_modules', '.bin', process.platform === 'win32' ? 'node.cmd' : 'node');
  const current = existsSync(runtime) ? spawnSync(runtime, ['--version'], { encoding: 'utf8' }).stdout?.trim() : '';
  if (current !== `v${lockedNode}`) {
    console.error(`[ensure-deps] fetching Node ${lockedNode} to install with (this Node is ${process.version})…`);
    // A project of its own, so its allowScripts lets the `node` package's preinstall fetch the binary.
    mkdirSync(prefix, { recursive: true });
    const manifest = { private: true, dependencies: { node: lockedNode }, allowScripts: { node: true } };
    writeFileSync(join(prefix, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    run(npm, ['install', '--prefix', prefix, '--no-package-lock', '--no-audit', '--no-fund']);
  }
}

console.error('[ensure-deps] installing npm dependencies (npm ci)…');
if (npmCli && runtime !== process.execPath) run(runtime, [npmCli, 'ci', '--no-audit', '--no-fund']);
else run(npm, ['ci', '--no-audit', '--no-fund']);
