import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { botEnv, type World } from '../test/helpers/world.js';
import { waitUntil } from '../test/support/services.js';

/** A process a benchmark started, with what it printed. */
export interface BenchProcess {
  child: ChildProcess;
  output(): string;
  /** CPU time (user + system) the process has used so far, in ms, from /proc. */
  cpuMs(): number;
  stop(): Promise<void>;
}

const clockTicks = 100;

function cpuMsOf(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  // /proc/PID/stat: fields 14 and 15 (utime, stime) in clock ticks, after the parenthesised command name.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks;
}

/** Starts `command args` and resolves once a line of its output matches `ready`. */
export async function startProcess(
  command: string,
  args: string[],
  env: Record<string, string>,
  ready: (line: string) => boolean,
): Promise<BenchProcess> {
  const child = spawn(command, args, {
    cwd: process.cwd(),
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  await waitUntil(() => output.split('\n').some(ready) || child.exitCode !== null, {
    timeoutMs: 60_000,
    intervalMs: 20,
    description: `${command} ${args.join(' ')} to start`,
  });
  if (child.exitCode !== null) throw new Error(`${command} exited early:\n${output}`);
  return {
    child,
    output: () => output,
    cpuMs: () => cpuMsOf(child.pid),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The arguments `npm start` gives node (its V8 flags and the entry point), read from package.json. */
export function startArgs(): string[] {
  const pkg = z
    .object({ scripts: z.object({ start: z.string() }) })
    .parse(JSON.parse(readFileSync('package.json', 'utf8')));
  const [node, ...args] = pkg.scripts.start.split(' ').filter(Boolean);
  if (node !== 'node') throw new Error(`npm start does not run node: ${pkg.scripts.start}`);
  return args;
}

/** Compiles src/ to dist/ if it is stale: what `npm start` runs first. */
export function buildDist(): void {
  const build = spawnSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error('npm run build failed');
}

/**
 * Starts the bot as `npm start` runs it (node with its arguments from package.json), as its own process, on the world's services, with the
 * world's config written to a file. Resolves with the process and its HTTP port once it logged "started".
 */
export async function startBotProcess(
  w: World,
  role: 'all' | 'bot' | 'worker',
  env: Record<string, string> = {},
): Promise<BenchProcess & { port: number }> {
  buildDist();
  const configFile = join(mkdtempSync(join(tmpdir(), 'bench-')), 'ops.yml');
  writeFileSync(configFile, JSON.stringify(w.config));
  const proc = await startProcess(
    process.execPath,
    startArgs(),
    botEnv(w, { role, env: { LOG_LEVEL: 'info', OPS_CONFIG: configFile, ...env } }),
    (line) => line.includes('"msg":"started"'),
  );
  const started = proc
    .output()
    .split('\n')
    .find((l) => l.includes('"msg":"started"'));
  const { port } = z.object({ port: z.number() }).parse(JSON.parse(started ?? '{}'));
  return { ...proc, port };
}

/** Runs `command args` to its end (bounded by `timeoutMs`) and resolves with its stdout; rejects on a non-zero exit. */
export function runProcess(command: string, args: string[], timeoutMs = 300_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`${command} ${args.join(' ')} ended with ${code ?? signal}:\n${stderr}`));
    });
  });
}
