import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { botEnv, createWorld, type World } from '../helpers/world.js';
import { waitUntil } from '../support/services.js';

const root = process.cwd();
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const pkg = z
  .object({ dependencies: z.record(z.string(), z.string()), devDependencies: z.record(z.string(), z.string()) })
  .parse(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')));

/** The Dockerfile's runtime image, without Docker: what the deps and build stages copy in, in a clean directory. */
function imageCopy(): string {
  const app = mkdtempSync(join(tmpdir(), 'image-'));
  for (const file of ['package.json', 'package-lock.json']) cpSync(join(root, file), join(app, file));
  for (const dir of ['dist', 'config']) cpSync(join(root, dir), join(app, dir), { recursive: true });
  return app;
}

describe("the image's install step (npm ci --omit=dev) and entry point", { timeout: 240_000 }, () => {
  let app: string;
  let world: World;
  let child: ChildProcess | undefined;
  let output = '';

  beforeAll(async () => {
    // dist/ as `npm run build` (the Dockerfile's build stage) makes it.
    const build = spawnSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { cwd: root, encoding: 'utf8' });
    expect(build.status, build.stderr).toBe(0);
    app = imageCopy();
    world = await createWorld();
  });
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child?.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await world?.close();
    if (app) rmSync(app, { recursive: true, force: true });
  });

  it('installs from the lock file with production dependencies only', () => {
    // --offline: tests talk to 127.0.0.1 only; the project's own install filled the npm cache with these tarballs.
    const install = spawnSync(
      npm,
      ['ci', '--omit=dev', '--ignore-scripts', '--offline', '--no-audit', '--no-fund', '--loglevel=error'],
      { cwd: app, encoding: 'utf8', timeout: 180_000 },
    );
    expect(install.status, `${install.stdout}\n${install.stderr}`).toBe(0);
    // npm ci refuses a lock file that is out of step with package.json, or lacks another platform's packages.
    expect(install.stderr).not.toMatch(/EUSAGE|Missing:/);
    for (const dep of Object.keys(pkg.dependencies)) expect(existsSync(join(app, 'node_modules', dep)), dep).toBe(true);
    for (const dev of ['vitest', 'typescript', 'tsx', '@biomejs/biome', 'node']) {
      expect(existsSync(join(app, 'node_modules', dev)), `${dev} is a devDependency`).toBe(false);
    }
  });

  it('boots the entry point as `npm start` runs it, without a warning, and answers /healthz and /readyz', async () => {
    const configFile = join(app, 'ops.json.yml');
    writeFileSync(configFile, JSON.stringify(world.config));
    // The runtime image's node is Node 24 LTS, as is the one running this test (the project's own).
    expect(process.versions.node.split('.')[0]).toBe('24');
    const start = z
      .object({ scripts: z.object({ start: z.string() }) })
      .parse(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))).scripts.start;
    child = spawn(process.execPath, start.split(' ').slice(1), {
      cwd: app,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        NODE_ENV: 'production',
        ...botEnv(world, { env: { LOG_LEVEL: 'info', OPS_CONFIG: configFile } }),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    await waitUntil(() => output.includes('"msg":"started"') || child?.exitCode !== null, {
      timeoutMs: 60_000,
      description: 'the entry point to start',
    });
    expect(child.exitCode, `${output}\n${stderr}`).toBeNull();
    const port = z
      .object({ port: z.number() })
      .parse(JSON.parse(output.split('\n').find((l) => l.includes('"msg":"started"')) ?? '{}')).port;
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(200);
    // Nothing about the Node version (the AWS SDK's NodeVersionSupportWarning, npm's EBADENGINE), nor any warning.
    expect(stderr).not.toMatch(/Warning|EBADENGINE/);
  });
});
