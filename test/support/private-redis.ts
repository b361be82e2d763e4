import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closedPort, waitUntil } from './services.js';

/**
 * A `redis-server` of a test's own on 127.0.0.1, which the test may stop and start again on the same port without
 * touching the shared Redis other tests use concurrently.
 *
 * It persists like a production Redis behind BullMQ should: append-only file, fsync on every write, so every write
 * Redis acknowledged is still there after a restart, even after SIGKILL. Without persistence a restart would be a
 * different event (the queue, its jobs and their locks vanish), not the "Redis restarted" of an ordinary deployment.
 */
export interface PrivateRedis {
  /** `redis://127.0.0.1:PORT`. */
  readonly url: string;
  readonly port: number;
  /** Stops the server: SIGTERM shuts down cleanly, SIGKILL is a crash. Waits until the process has exited. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Starts it again on the same port and data directory; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Stops it for good and deletes its data directory. */
  close(): Promise<void>;
  /** The config file it was started with (`startPrivateRedis({ configFile: true })`), which CONFIG REWRITE writes. */
  readonly configFile?: string;
}

const redisServer = process.env.TEST_REDIS_SERVER ?? '/usr/bin/redis-server';

/** Starts a private, persistent Redis on a free 127.0.0.1 port. */
export async function startPrivateRedis(opts: { configFile?: boolean } = {}): Promise<PrivateRedis> {
  const port = await closedPort();
  const dir = mkdtempSync(join(tmpdir(), 'private-redis-'));
  // Without a config file (the default), Redis refuses CONFIG REWRITE, as a container started with flags does.
  const configFile = opts.configFile ? join(dir, 'redis.conf') : undefined;
  if (configFile) writeFileSync(configFile, '# written by the test; CONFIG REWRITE appends here\n');
  let child: ChildProcess | undefined;

  const launch = async () => {
    const proc = spawn(
      redisServer,
      [
        ...(configFile ? [configFile] : []),
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
        '--save',
        '',
        '--daemonize',
        'no',
        '--loglevel',
        'notice',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = proc;
    let output = '';
    proc.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    // Redis logs this line once it has loaded the append-only file and listens.
    await waitUntil(() => output.includes('Ready to accept connections') || proc.exitCode !== null, {
      timeoutMs: 10_000,
      description: `redis-server on port ${port} to accept connections`,
    });
    if (proc.exitCode !== null) throw new Error(`redis-server on port ${port} exited:\n${output}`);
  };

  const stop = async (signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM') => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill(signal);
    await exited;
  };

  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    ...(configFile ? { configFile } : {}),
    stop,
    async start() {
      if (child) throw new Error('private Redis is already running');
      await launch();
    },
    async close() {
      await stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
