import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/jobs/report.js';
import {
  addCrashLoopingPod,
  type Bot,
  createWorld,
  people,
  production,
  runIdOf,
  startBot,
  type World,
} from '../helpers/world.js';
import { closedPort } from '../support/services.js';
import { startTlsServer, type TestTlsServer } from '../support/tls-server.js';

/** Runs health and returns the stored report, the final Slack message text and the thread replies. */
async function runHealth(bot: Bot, world: World, args = 'health') {
  const reply = await bot.command(args, { user: people.viewer });
  expect(reply.status).toBe(200);
  const runId = runIdOf(reply);
  const final = await bot.finalMessage(runId);
  const [row] = await bot.query<{ report: RunReport }>('SELECT report FROM runs WHERE id = $1', [runId]);
  if (!row) throw new Error('run row missing');
  const thread = world.slack.callsOf('chat.postMessage').filter((c) => c.body.thread_ts === final.ts);
  return {
    report: row.report,
    text: JSON.stringify(final.blocks),
    thread: JSON.stringify(thread.map((c) => c.body.blocks)),
  };
}

function item(report: RunReport, id: string) {
  const found = report.items.find((i) => i.id === id);
  if (!found) throw new Error(`no item ${id} in ${report.items.map((i) => i.id).join(', ')}`);
  return found;
}

describe('/thermaliq health when something is wrong', () => {
  let world: World;
  let bot: Bot;
  let expiringTls: TestTlsServer;
  beforeAll(async () => {
    expiringTls = await startTlsServer({ daysValid: 10.5 });
    const deadPort = await closedPort();
    world = await createWorld((cfg) => {
      const prod = production(cfg);
      const svc = cfg.services.thermaliq;
      if (!svc) throw new Error('no service');
      // "staging" points the database and the cache at a port where nothing listens.
      svc.environments.staging = {
        ...prod,
        database: { url: `postgres://postgres@127.0.0.1:${deadPort}/nothing` },
        cache: { url: `redis://127.0.0.1:${deadPort}`, keyPrefix: '' },
        tlsEndpoints: [`127.0.0.1:${expiringTls.port}`],
      };
      cfg.health.checkTimeoutMs = 1500;
    });
    bot = await startBot(world);
  });
  afterAll(async () => {
    await bot?.stop();
    await world?.close();
    await expiringTls?.close();
  });

  it('fails the pod check for a crashlooping pod and reports it', async () => {
    addCrashLoopingPod(world);
    try {
      const { report, text } = await runHealth(bot, world);
      expect(item(report, 'pods').status).toBe('fail');
      expect(item(report, 'pods').summary).toMatch(/CrashLoopBackOff/);
      expect(report.status).toBe('fail');
      expect(text).toContain(':red_circle:');
    } finally {
      world.kube.removePod(world.namespace, 'thermaliq-crashy-7d9f');
    }
  });

  it('fails the backup check when the newest backup is older than 25 h', async () => {
    const key = `${world.backupPrefix}old-only.sql.gz`;
    // Make every backup old: back-date the fresh one too.
    const listed = await world.s3.client.send(
      new (await import('@aws-sdk/client-s3')).ListObjectsV2Command({
        Bucket: world.s3.bucket,
        Prefix: world.backupPrefix,
      }),
    );
    await world.s3.putObject(world.s3.bucket, key, 'old');
    const old = new Date(Date.now() - 30 * 3600_000);
    for (const o of [...(listed.Contents ?? []).map((c) => c.Key ?? ''), key])
      await world.s3.setLastModified(world.s3.bucket, o, old);
    try {
      const { report } = await runHealth(bot, world);
      const backup = item(report, 'backup-age');
      expect(backup.status).toBe('fail');
      expect(backup.value).toMatch(/30 h/);
      expect(backup.threshold).toMatch(/25 h/);
    } finally {
      await world.s3.putObject(world.s3.bucket, `${world.backupPrefix}fresh-${Date.now()}.sql.gz`, 'fresh');
    }
  });

  it('warns about a certificate that expires in 10 days, from cert-manager and from a TLS handshake', async () => {
    world.kube.addCertificate(world.namespace, 'thermaliq-expiring', {
      notAfter: new Date(Date.now() + 10 * 86_400_000 + 3_600_000),
      ready: true,
      dnsNames: ['old.example.test'],
    });
    const { report, text } = await runHealth(bot, world, 'health --env staging');
    const certs = item(report, 'certificates');
    expect(certs.status).toBe('warn');
    expect(certs.value).toMatch(/10 days/);
    expect(certs.summary).toMatch(/thermaliq-expiring/);
    expect(text).toMatch(/10 days/);
    expect(JSON.stringify(report)).toContain(`127.0.0.1:${expiringTls.port}`);
  });

  it('warns on an error rate above 1 %', async () => {
    world.prom.respond('thermaliq_calculation_errors_total', 0.034);
    try {
      const { report } = await runHealth(bot, world);
      const rate = item(report, 'error-rate');
      expect(rate.status).toBe('warn');
      expect(rate.value).toBe('3.4 %');
      expect(rate.threshold).toMatch(/1 %/);
    } finally {
      world.prom.respond('thermaliq_calculation_errors_total', 0.002);
    }
  });

  it('fails Redis and errors (quickly) on an unreachable PostgreSQL', async () => {
    const { report } = await runHealth(bot, world, 'health --env staging');
    expect(item(report, 'redis').status).toBe('fail');
    const db = item(report, 'db-connections');
    expect(db.status).toBe('error');
    // Refused, not a timeout: an unreachable database must not hang the check.
    expect(db.summary).not.toMatch(/timed out/);
    expect(db.summary).toMatch(/ECONNREFUSED|refused|connect/i);
  });

  it('reports Kubernetes answering 500 as an error with the code, and the other checks still run', async () => {
    world.kube.failWith(/^\/api\/v1\//, 500);
    try {
      const { report } = await runHealth(bot, world);
      expect(item(report, 'pods').status).toBe('error');
      expect(item(report, 'pods').summary).toMatch(/500/);
      expect(item(report, 'nodes').status).toBe('error');
      expect(item(report, 'error-rate').status).toBe('ok');
      expect(report.status).toBe('error');
    } finally {
      world.kube.clearFaults();
    }
  });

  it('times out each check on a Kubernetes API that never answers, and still finishes the report', async () => {
    world.kube.hang(/.*/);
    try {
      const { report } = await runHealth(bot, world);
      for (const id of ['pods', 'nodes']) {
        expect(item(report, id).status).toBe('error');
        expect(item(report, id).summary).toMatch(/timed out after 1500 ms/);
      }
      expect(item(report, 'backup-age').status).toBe('ok');
    } finally {
      world.kube.clearFaults();
    }
  });

  it('puts the top error log lines in the thread', async () => {
    const pod = world.kube.pods(world.namespace)[0];
    const name = String((pod?.metadata as { name?: string } | undefined)?.name);
    const now = new Date().toISOString();
    world.kube.setPodLogs(
      world.namespace,
      name,
      [
        ...Array.from({ length: 7 }, () =>
          JSON.stringify({
            timestamp: now,
            level: 'ERROR',
            error_message: 'Boiler efficiency input out of range',
            facility_id: 'F-12',
          }),
        ),
        ...Array.from({ length: 3 }, () =>
          JSON.stringify({ timestamp: now, level: 'ERROR', error_message: 'Timeout calling emissions API' }),
        ),
        `${now} INFO ok`,
      ].join('\n'),
    );
    const { report, thread } = await runHealth(bot, world);
    expect(item(report, 'error-logs').value).toMatch(/^10 /);
    expect(thread).toContain('Boiler efficiency input out of range');
    expect(thread).toContain('Timeout calling emissions API');
  });
});
