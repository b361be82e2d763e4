import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { botEnv, createWorld, type World } from '../helpers/world.js';
import { waitUntil } from '../support/services.js';

const root = process.cwd();
/** What runbooks need and a command-answering instance does not: each loads on its first use. */
const heavy = ['@aws-sdk/', '@kubernetes/client-node', '/vega/', '/vega-lite/', 's3rver'];

describe('libraries a role does not need are not loaded at start', { timeout: 120_000 }, () => {
  let world: World;
  let dir: string;
  beforeAll(async () => {
    const build = spawnSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { cwd: root, encoding: 'utf8' });
    expect(build.status, build.stderr).toBe(0);
    world = await createWorld();
    dir = mkdtempSync(join(tmpdir(), 'lazy-'));
  });
  afterAll(async () => {
    await world?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a ROLE=bot instance started as `npm start` runs it answers commands without the AWS SDK, client-node or vega', async () => {
    const configFile = join(dir, 'ops.json.yml');
    const recorded = join(dir, 'imports.txt');
    writeFileSync(configFile, JSON.stringify(world.config));
    const start = z
      .object({ scripts: z.object({ start: z.string() }) })
      .parse(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))).scripts.start;
    const [, ...args] = start.split(' ');
    const child = spawn(process.execPath, ['--import', './test/deploy/record-imports.mjs', ...args], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        RECORD_IMPORTS_FILE: recorded,
        ...botEnv(world, { role: 'bot', env: { LOG_LEVEL: 'info', OPS_CONFIG: configFile } }),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    await waitUntil(() => output.includes('"msg":"started"') || child.exitCode !== null, {
      timeoutMs: 60_000,
      description: 'the bot to start',
    });
    expect(child.exitCode, output).toBeNull();
    const port = z
      .object({ port: z.number() })
      .parse(JSON.parse(output.split('\n').find((l) => l.includes('"msg":"started"')) ?? '{}')).port;
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);

    const modules = readFileSync(recorded, 'utf8').split('\n');
    // The recorder works: it saw the libraries the bot does load.
    expect(modules.some((m) => m.includes('/@slack/bolt/'))).toBe(true);
    expect(modules.some((m) => m.includes('/bullmq/'))).toBe(true);
    expect(heavy.filter((lib) => modules.some((m) => m.includes(lib)))).toEqual([]);
  });
});
