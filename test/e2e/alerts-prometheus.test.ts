import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOpsConfig } from '../../src/config/ops-config.js';
import { finalRunStatuses } from '../../src/store/runs.js';
import { serviceAlertsDir, serviceRuleFiles } from '../deploy/service-rules.js';
import { type Bot, channels, createWorld, startBot, type World } from '../helpers/world.js';
import { startAlertmanager, type TestAlertmanager } from '../support/alertmanager.js';
import { startPrometheus, type TestPrometheus } from '../support/prometheus.js';
import { waitUntil } from '../support/services.js';

/**
 * Issue 14, item 7: the shipped THERMALIQ rules in a real Prometheus, scraping an exporter the test controls, firing
 * through a real Alertmanager into the bot configured with the shipped `alerts:` section of config/ops.yml.
 */
const token = 'prometheus-test-token-0123';
const hour = 3600;

/** The shipped rule file with every group evaluated each second and every `for:` shortened to 2 s. */
function testRules(): string {
  const shipped = readFileSync(join(serviceAlertsDir, serviceRuleFiles.thermaliq), 'utf8');
  const rewritten = shipped
    .replace(/^(\s+)interval: \S+$/gm, '$1interval: 1s')
    .replace(/^(\s+)for: \S+$/gm, '$1for: 2s');
  // The rewrite touched the real keys (a changed file layout fails here, not as a silent 10-minute wait).
  expect(rewritten.match(/for: 2s$/gm)?.length).toBe(shipped.match(/^\s+- alert: /gm)?.length);
  expect(rewritten).toMatch(/^\s+interval: 1s$/m);
  return rewritten;
}

/** A scrape target serving the backup job's gauge: the last success `backupAgeSeconds` before each scrape. */
function startExporter(): Promise<{ server: Server; port: number; setBackupAge(seconds: number): void }> {
  let backupAgeSeconds = 26 * hour;
  const server = createServer((_req, res) => {
    const last = Math.floor(Date.now() / 1000) - backupAgeSeconds;
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(
      [
        '# HELP thermaliq_last_successful_backup_timestamp Unix time of the last successful backup.',
        '# TYPE thermaliq_last_successful_backup_timestamp gauge',
        `thermaliq_last_successful_backup_timestamp ${last}`,
        '',
      ].join('\n'),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') return reject(new Error('exporter: no TCP address'));
      resolve({ server, port: address.port, setBackupAge: (s) => (backupAgeSeconds = s) });
    });
  });
}

describe('Prometheus → Alertmanager → Slack with the shipped rules and alerts config', () => {
  let world: World;
  let bot: Bot;
  let exporter: Awaited<ReturnType<typeof startExporter>>;
  let manager: TestAlertmanager;
  let prometheus: TestPrometheus;

  beforeAll(async () => {
    const shipped = loadOpsConfig(new URL('../../config/ops.yml', import.meta.url).pathname, {
      ALERTMANAGER_WEBHOOK_TOKEN: token,
      ALERTS_CHANNEL: channels.ops,
    });
    world = await createWorld((cfg) => {
      cfg.alerts = shipped.alerts;
    });
    bot = await startBot(world);
    exporter = await startExporter();
    manager = await startAlertmanager({
      webhookUrl: `http://127.0.0.1:${bot.instance.port}/alerts/alertmanager`,
      bearerToken: token,
    });
    prometheus = await startPrometheus({
      config: {
        global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
        rule_files: ['thermaliq-rules.yml'],
        scrape_configs: [
          { job_name: 'thermaliq-backup', static_configs: [{ targets: [`127.0.0.1:${exporter.port}`] }] },
        ],
        alerting: {
          alertmanagers: [{ api_version: 'v2', static_configs: [{ targets: [new URL(manager.url).host] }] }],
        },
      },
      files: { 'thermaliq-rules.yml': testRules() },
    });
  }, 90_000);
  afterAll(async () => {
    await prometheus?.close();
    await manager?.close();
    exporter?.server.close();
    await bot?.stop();
    await world?.close();
  });

  it('posts BackupFailed once with its runbook buttons, diagnoses it in the thread, and shows it resolved', async () => {
    const context = () => `prometheus:\n${prometheus.output()}\nalertmanager:\n${manager.output()}`;
    const post = await world.slack
      .waitFor((c) => c.method === 'chat.postMessage' && String(c.body.text).includes('Firing: BackupFailed'), 45_000)
      .catch((err: unknown) => {
        throw new Error(`${String(err)}\n${context()}`);
      });
    expect(post.body.channel).toBe(channels.ops);
    const blocks = JSON.stringify(post.body.blocks);
    // The rule's annotations as Prometheus rendered them, and the shipped config's suggestions as buttons.
    expect(blocks).toContain('THERMALIQ backup is older than 25 hours');
    expect(blocks).toMatch(/Last successful backup was 1d 2h \d+m \d+s ago/);
    for (const [i, text] of ['backup verify', 'backups', 'backup now'].entries()) {
      expect(blocks).toContain(`alert_runbook_${i}`);
      expect(blocks).toContain(text);
    }
    const ts = await waitUntil(
      async () =>
        (await bot.query<{ message_ts: string | null }>('SELECT message_ts FROM alert_groups'))[0]?.message_ts ?? false,
      { timeoutMs: 10_000, description: 'the group to record its message' },
    );

    // The shipped diagnosis for BackupFailed: `backups` and `backup verify`, run by the bot, reporting in the thread.
    const diagnoses = await waitUntil(
      async () => {
        const rows = await bot.query<{ runbook: string; thread_ts: string; status: string }>(
          "SELECT runbook, thread_ts, status FROM runs WHERE requested_by = 'alertmanager' ORDER BY runbook",
        );
        return rows.length === 2 && rows.every((r) => finalRunStatuses.some((s) => s === r.status)) && rows;
      },
      { timeoutMs: 30_000, description: 'both diagnosis runs to finish' },
    );
    expect(diagnoses.map((r) => ({ runbook: r.runbook, thread_ts: r.thread_ts }))).toEqual([
      { runbook: 'backup verify', thread_ts: ts },
      { runbook: 'backups', thread_ts: ts },
    ]);
    await waitUntil(
      () =>
        world.slack
          .callsOf('chat.postMessage')
          .filter((c) => c.ok && c.body.channel === channels.ops && c.body.thread_ts === ts).length >= 2,
      { timeoutMs: 15_000, description: 'both diagnosis reports in the thread' },
    );

    // The backup job succeeds again: Prometheus resolves the alert, and the same message says so.
    exporter.setBackupAge(hour);
    await waitUntil(
      () => world.slack.messages().get(`${channels.ops}/${ts}`)?.text?.includes('Resolved: BackupFailed'),
      {
        timeoutMs: 45_000,
        description: 'the message to show BackupFailed resolved',
      },
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}\n${context()}`);
    });
    const alertPosts = world.slack
      .callsOf('chat.postMessage')
      .filter(
        (c) =>
          c.ok && c.body.channel === channels.ops && !c.body.thread_ts && String(c.body.text).includes('BackupFailed'),
      );
    expect(alertPosts).toHaveLength(1);
    expect(await prometheus.alerts()).toEqual([]);
    expect(world.slack.violations()).toEqual([]);
  }, 120_000);
});
