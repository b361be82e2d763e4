import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitUntil } from '../support/services.js';
import { botEnv, type World } from './world.js';

/** A worker in its own process, so a test can kill it as the kernel would. */
export interface WorkerProcess {
  child: ChildProcess;
  output(): string;
  /** SIGKILL: no shutdown hook runs, the job lock is simply never renewed again. */
  kill(): Promise<void>;
}

/** Starts `src/main.ts` with ROLE=worker against the world, with the world's config written to a file. */
export async function spawnWorker(w: World, env: Record<string, string> = {}): Promise<WorkerProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'worker-'));
  const configFile = join(dir, 'ops.yml');
  // YAML is a superset of JSON, so the validated config object can be written as JSON.
  writeFileSync(configFile, JSON.stringify(w.config));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: process.cwd(),
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      ...botEnv(w, { role: 'worker', env: { LOG_LEVEL: 'info', OPS_CONFIG: configFile, ...env } }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  await waitUntil(() => output.includes('"msg":"started"') || child.exitCode !== null, {
    timeoutMs: 30_000,
    description: 'the worker process to start',
  });
  if (child.exitCode !== null) throw new Error(`worker exited early:\n${output}`);
  return {
    child,
    output: () => output,
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      await exited;
    },
  };
}
