import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultThresholds } from '../../src/config/thresholds.js';
import type { Infra } from '../../src/infra/infra.js';
import { healthChecks } from '../../src/jobs/health/checks/index.js';
import { overallStatus, runHealthChecks } from '../../src/jobs/health/run-checks.js';
import { type FakeKube, startFakeKube } from '../support/fake-kube.js';
import { type FakePrometheus, startFakePrometheus } from '../support/fake-prometheus.js';
import { podFixture } from '../support/kube-fixtures.js';
import { type LocalHttpServer, startLocalHttpServer } from '../support/local-http-server.js';
import { startS3, type TestS3 } from '../support/s3.js';
import { createTestDatabase, redisUrl, type TestDatabase } from '../support/services.js';
import { startTlsServer, type TestTlsServer } from '../support/tls-server.js';
import {
  appLabels,
  command,
  environmentName,
  infraFor,
  kubernetesBlock,
  namespace,
  serviceKey,
} from './environment.js';

describe('the daily health check against a healthy environment', () => {
  let kube: FakeKube;
  let prom: FakePrometheus;
  let db: TestDatabase;
  let s3: TestS3;
  let api: LocalHttpServer;
  let tls: TestTlsServer;
  let infra: Infra;

  beforeAll(async () => {
    [kube, prom, db, s3, tls] = await Promise.all([
      startFakeKube(),
      startFakePrometheus(),
      createTestDatabase('health_healthy'),
      startS3({ buckets: ['greenlang-backups'] }),
      startTlsServer({ daysValid: 60 }),
    ]);
    api = await startLocalHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"healthy"}');
    });
    kube.addNode('node-1', true);
    kube.addNode('node-2', true);
    for (const name of ['thermaliq-7d9f-a', 'thermaliq-7d9f-b']) {
      kube.addPod(namespace, podFixture({ name, labels: appLabels, restarts: 1 }));
      kube.setPodMetrics(namespace, name, { cpu: '120m', memory: '300Mi' });
      kube.setPodLogs(
        namespace,
        name,
        '2024-05-01T09:00:00Z INFO calculation done\n2024-05-01T09:00:01Z ERROR Calculation failed for facility 17: timeout\n',
      );
    }
    kube.addCertificate(namespace, 'thermaliq-api-tls', {
      notAfter: new Date(Date.now() + 60 * 86_400_000),
      ready: true,
      dnsNames: ['api.greenlang.io'],
    });
    prom.respond('calculation_errors_total', 0.002);
    prom.respond('calculation_duration_seconds_bucket', 3.2);
    prom.respond('cache_hits_total', 0.91);
    prom.respond('node_filesystem', 42);
    await s3.putObject('greenlang-backups', 'thermaliq/production/db-latest.sql.gz', 'backup');
    await s3.setLastModified(
      'greenlang-backups',
      'thermaliq/production/db-latest.sql.gz',
      new Date(Date.now() - 2 * 3_600_000),
    );

    infra = infraFor({
      kubernetes: kubernetesBlock(kube.url, { certificates: ['thermaliq-api-tls'] }),
      database: { url: db.url },
      cache: { url: redisUrl(), keyPrefix: 'thermaliq:' },
      backups: {
        bucket: 'greenlang-backups',
        prefix: 'thermaliq/production/',
        endpoint: s3.endpoint,
        forcePathStyle: true,
        accessKeyId: 'S3RVER',
        secretAccessKey: 'S3RVER',
      },
      prometheus: {
        url: prom.url,
        queries: { diskUsagePercent: '100 * (1 - node_filesystem_avail_bytes / node_filesystem_size_bytes)' },
      },
      healthUrl: `${api.origin}/v1/thermaliq/health`,
      tlsEndpoints: [`${tls.host}:${tls.port}`],
    });
  });

  afterAll(async () => {
    await infra?.close();
    await Promise.all([kube?.close(), prom?.close(), db?.drop(), s3?.close(), api?.close(), tls?.close()]);
  });

  it('reports every check ok, in the guides’ order, with values and thresholds', async () => {
    const results = await runHealthChecks(
      healthChecks,
      {
        serviceKey,
        command,
        environment: environmentName,
        infra,
        // The shared local Redis's fragmentation is not ours to control; the rule is tested on its own.
        thresholds: { ...defaultThresholds, cacheFragmentationRatio: 1_000 },
      },
      { timeoutMs: 10_000 },
    );

    expect(results.filter((r) => r.status !== 'ok')).toEqual([]);
    expect(overallStatus(results)).toBe('ok');
    expect(results.map((r) => r.id)).toEqual([
      'nodes',
      'pods',
      'api-health',
      'error-rate',
      'p95-latency',
      'resources',
      'db-connections',
      'cache-hit-rate',
      'redis',
      'disk',
      'certificates',
      'error-logs',
      'backup-age',
    ]);
    const byId = new Map(results.map((r) => [r.id, r]));
    expect(byId.get('pods')).toMatchObject({ value: '2/2 ready' });
    expect(byId.get('nodes')).toMatchObject({ value: '2/2 Ready' });
    expect(byId.get('error-rate')).toMatchObject({ value: '0.2 %', threshold: '> 1 % warns, > 5 % fails' });
    expect(byId.get('p95-latency')).toMatchObject({ value: '3.2 s', threshold: '> 20 s warns' });
    expect(byId.get('cache-hit-rate')).toMatchObject({ value: '91 %', threshold: '< 70 % warns' });
    expect(byId.get('disk')).toMatchObject({ value: '42 %', threshold: '> 80 % warns' });
    expect(byId.get('resources')).toMatchObject({ value: 'CPU 240m, memory 600 MiB' });
    expect(byId.get('backup-age')?.value).toMatch(/^2(\.0)? h$/);
    expect(byId.get('certificates')?.value).toMatch(/^(59|60) days /);
    expect(byId.get('error-logs')).toMatchObject({ value: '2 in 1 h (≈ 48 / 24 h)' });
    expect(byId.get('error-logs')?.details?.[0]).toBe('2× Calculation failed for facility <n>: timeout');
    expect(byId.get('db-connections')?.value).toMatch(/^\d+\/\d+ \(/);
    for (const r of results) {
      expect(r.summary, r.id).not.toBe('');
      // Resource usage is informational, like `kubectl top`: it has no threshold.
      if (r.id !== 'resources') expect(r.threshold, r.id).toBeDefined();
    }
  });
});

describe('the daily health check with nothing configured', () => {
  it('skips every check with a hint naming the config key to set', async () => {
    const results = await runHealthChecks(
      healthChecks,
      { serviceKey, command, environment: environmentName, infra: infraFor({}), thresholds: defaultThresholds },
      { timeoutMs: 1_000 },
    );
    expect(results.map((r) => [r.id, r.status])).toEqual(healthChecks.map((c) => [c.id, 'skipped']));
    const hints = new Map(results.map((r) => [r.id, r.summary]));
    const prefix = 'services.thermaliq.environments.production.';
    expect(hints.get('pods')).toBe(
      `Kubernetes not configured: set ${prefix}kubernetes (namespace, deployment, labelSelector and cluster)`,
    );
    expect(hints.get('api-health')).toContain(`${prefix}healthUrl`);
    expect(hints.get('error-rate')).toContain(`${prefix}prometheus.url`);
    expect(hints.get('db-connections')).toContain(`${prefix}database.url`);
    expect(hints.get('redis')).toContain(`${prefix}cache.url`);
    expect(hints.get('backup-age')).toContain(`${prefix}backups.bucket`);
    expect(hints.get('certificates')).toContain(`${prefix}tlsEndpoints`);
    expect(overallStatus(results)).toBe('skipped');
  });

  it('skips disk when Prometheus is configured but the disk query is not', async () => {
    const results = await runHealthChecks(
      healthChecks.filter((c) => c.id === 'disk'),
      {
        serviceKey,
        command,
        environment: environmentName,
        infra: infraFor({ prometheus: { url: 'http://127.0.0.1:9' } }),
        thresholds: defaultThresholds,
      },
      { timeoutMs: 1_000 },
    );
    expect(results[0]).toMatchObject({
      status: 'skipped',
      summary: expect.stringContaining(
        'services.thermaliq.environments.production.prometheus.queries.diskUsagePercent',
      ),
    });
  });
});
