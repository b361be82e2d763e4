import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { closedPort, waitUntil } from './services.js';

/** An alert as Alertmanager's API v2 takes it (what Prometheus sends). */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  /** In the past: resolved. */
  endsAt?: string;
  generatorURL?: string;
}

/** A real Alertmanager (Debian's prometheus-alertmanager) on 127.0.0.1, routing every alert to `webhookUrl`. */
export interface TestAlertmanager {
  url: string;
  /** Pushes alerts as Prometheus does (POST /api/v2/alerts). */
  postAlerts(alerts: PostableAlert[]): Promise<void>;
  /** Its log so far (for a failing test's message). */
  output(): string;
  close(): Promise<void>;
}

/**
 * Starts Alertmanager with one route to the bot's webhook, authenticated as `http_config.authorization` sends it,
 * grouped by alertname, service and environment, with short waits so a test sees notifications within seconds.
 */
export async function startAlertmanager(opts: {
  webhookUrl: string;
  bearerToken: string;
  groupWait?: string;
  groupInterval?: string;
  /** Where its API listens (a port picked beforehand, so the bot's config can name it); any free one otherwise. */
  port?: number;
}): Promise<TestAlertmanager> {
  const dir = mkdtempSync(join(tmpdir(), 'alertmanager-'));
  const port = opts.port ?? (await closedPort());
  const config = {
    route: {
      receiver: 'chatops',
      group_by: ['alertname', 'service', 'environment'],
      group_wait: opts.groupWait ?? '200ms',
      group_interval: opts.groupInterval ?? '1s',
      repeat_interval: '1h',
    },
    receivers: [
      {
        name: 'chatops',
        webhook_configs: [
          {
            url: opts.webhookUrl,
            send_resolved: true,
            http_config: { authorization: { type: 'Bearer', credentials: opts.bearerToken } },
          },
        ],
      },
    ],
  };
  writeFileSync(join(dir, 'alertmanager.yml'), stringify(config));
  const child: ChildProcess = spawn(
    'prometheus-alertmanager',
    [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // No gossip: each test Alertmanager stands alone (an HA pair is two of them both sending).
      '--cluster.listen-address=',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(
    async () => {
      if (child.exitCode !== null) throw new Error(`alertmanager exited: ${log}`);
      const res = await fetch(`${url}/-/ready`).catch(() => undefined);
      return res?.status === 200;
    },
    { timeoutMs: 20_000, description: 'alertmanager to be ready' },
  );
  return {
    url,
    async postAlerts(alerts) {
      const res = await fetch(`${url}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(alerts),
      });
      if (res.status !== 200) throw new Error(`alertmanager refused the alerts: ${res.status} ${await res.text()}`);
    },
    output: () => log,
    async close() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
