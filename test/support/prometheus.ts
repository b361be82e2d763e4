import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { z } from 'zod';
import { closedPort, waitUntil } from './services.js';

/** An alert as Prometheus' /api/v1/alerts lists it. */
const apiAlert = z.object({
  labels: z.record(z.string(), z.string()),
  state: z.enum(['inactive', 'pending', 'firing']),
  value: z.string().optional(),
});
const alertsResponse = z.object({ status: z.literal('success'), data: z.object({ alerts: z.array(apiAlert) }) });

/** A real Prometheus (Debian's `prometheus`) on 127.0.0.1, its storage in a temp dir. */
export interface TestPrometheus {
  url: string;
  /** The alerts its rules hold now, pending or firing. */
  alerts(): Promise<z.infer<typeof apiAlert>[]>;
  /** Its log so far (for a failing test's message). */
  output(): string;
  close(): Promise<void>;
}

/**
 * Starts Prometheus with `config` (prometheus.yml as an object) and `files` written beside it, so `rule_files` names
 * them relative to the config. Resolves once /-/ready answers.
 */
export async function startPrometheus(opts: {
  config: Record<string, unknown>;
  files?: Record<string, string>;
}): Promise<TestPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'prometheus-'));
  const port = await closedPort();
  for (const [name, text] of Object.entries(opts.files ?? {})) writeFileSync(join(dir, name), text);
  writeFileSync(join(dir, 'prometheus.yml'), stringify(opts.config));
  const child: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitUntil(
      async () => {
        if (child.exitCode !== null) throw new Error(`prometheus exited: ${log}`);
        const res = await fetch(`${url}/-/ready`).catch(() => undefined);
        return res?.status === 200;
      },
      { timeoutMs: 20_000, description: 'prometheus to be ready' },
    );
  } catch (err) {
    await close();
    throw err;
  }
  return {
    url,
    async alerts() {
      const res = await fetch(`${url}/api/v1/alerts`);
      return alertsResponse.parse(await res.json()).data.alerts;
    },
    output: () => log,
    close,
  };
}
