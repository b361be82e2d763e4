import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Infra } from '../../src/infra/infra.js';
import { apiHealthCheck } from '../../src/jobs/health/checks/api-health.js';
import { cacheHitRateCheck } from '../../src/jobs/health/checks/cache-hit-rate.js';
import { diskCheck } from '../../src/jobs/health/checks/disk.js';
import { errorRateCheck } from '../../src/jobs/health/checks/error-rate.js';
import { p95LatencyCheck } from '../../src/jobs/health/checks/p95-latency.js';
import { type FakePrometheus, startFakePrometheus } from '../support/fake-prometheus.js';
import { type LocalHttpServer, startLocalHttpServer } from '../support/local-http-server.js';
import { closedPort } from '../support/services.js';
import { infraFor, runCheck } from './environment.js';

describe('Prometheus checks', () => {
  let prom: FakePrometheus;
  let infra: Infra;

  beforeAll(async () => {
    prom = await startFakePrometheus();
    infra = infraFor({
      prometheus: { url: prom.url, queries: { diskUsagePercent: 'disk_used_percent{service="{service}"}' } },
    });
  });
  afterEach(() => prom.clear());
  afterAll(() => prom.close());

  it('error rate: ok under 1 %, warn above, fail above 5×', async () => {
    prom.respond('thermaliq_calculation_errors_total', 0.004);
    expect(await runCheck(errorRateCheck, infra)).toMatchObject({ status: 'ok', value: '0.4 %' });
    prom.respond('thermaliq_calculation_errors_total', 0.018);
    expect(await runCheck(errorRateCheck, infra)).toMatchObject({
      status: 'warn',
      value: '1.8 %',
      threshold: '> 1 % warns, > 5 % fails',
      summary: 'Error rate 1.8 %, above 1 %',
    });
    prom.respond('thermaliq_calculation_errors_total', 0.08);
    expect(await runCheck(errorRateCheck, infra)).toMatchObject({ status: 'fail', value: '8 %' });
    expect(prom.queries.at(-1)).toBe(
      'sum(rate(thermaliq_calculation_errors_total[24h])) / sum(rate(thermaliq_calculation_requests_total[24h]))',
    );
  });

  it('error rate: no data is an error that shows the query', async () => {
    prom.respond('thermaliq_calculation_errors_total', null);
    const result = await runCheck(errorRateCheck, infra);
    expect(result).toMatchObject({ status: 'error', value: 'no data' });
    expect(result.details?.[0]).toContain('thermaliq_calculation_errors_total');
  });

  it('error rate: a failed query is an error with the Prometheus message', async () => {
    prom.failWith('thermaliq_calculation_errors_total', 503, 'unavailable', 'query queue full');
    const result = await runCheck(errorRateCheck, infra);
    expect(result).toMatchObject({
      status: 'error',
      summary: 'Prometheus query failed (unavailable): query queue full',
    });
  });

  it('p95 latency warns above the threshold, in the unit that reads best', async () => {
    prom.respond('thermaliq_calculation_duration_seconds_bucket', 24.5);
    expect(await runCheck(p95LatencyCheck, infra)).toMatchObject({
      status: 'warn',
      value: '24.5 s',
      threshold: '> 20 s warns',
    });
    prom.respond('thermaliq_calculation_duration_seconds_bucket', 0.32);
    expect(await runCheck(p95LatencyCheck, infra, { thresholds: { p95LatencySeconds: 0.5 } })).toMatchObject({
      status: 'ok',
      value: '320 ms',
      threshold: '> 500 ms warns',
    });
  });

  it('cache hit rate warns below the threshold', async () => {
    prom.respond('thermaliq_cache_hits_total', 0.62);
    expect(await runCheck(cacheHitRateCheck, infra)).toMatchObject({
      status: 'warn',
      value: '62 %',
      threshold: '< 70 % warns',
    });
  });

  it('disk warns above the threshold with the configured query', async () => {
    prom.respond('disk_used_percent', 86.5);
    expect(await runCheck(diskCheck, infra)).toMatchObject({
      status: 'warn',
      value: '86.5 %',
      threshold: '> 80 % warns',
    });
    expect(prom.queries.at(-1)).toBe('disk_used_percent{service="thermaliq"}');
  });

  it('is an error when Prometheus is unreachable', async () => {
    const port = await closedPort();
    const result = await runCheck(errorRateCheck, infraFor({ prometheus: { url: `http://127.0.0.1:${port}` } }));
    expect(result.status).toBe('error');
    expect(result.summary).toMatch(/unreachable: .*ECONNREFUSED/);
  });
});

describe('API health check', () => {
  let api: LocalHttpServer;

  beforeAll(async () => {
    api = await startLocalHttpServer((req, res) => {
      if (req.url === '/health/ready') {
        res.writeHead(200);
        res.end('{"status":"ok"}');
      } else if (req.url === '/health/broken') {
        res.writeHead(503);
        res.end('{"status":"degraded","database":"down"}');
      }
      // Other paths never answer.
    });
  });
  afterAll(() => api.close());

  it('is ok on 2xx', async () => {
    const result = await runCheck(apiHealthCheck, infraFor({ healthUrl: `${api.origin}/health/ready` }));
    expect(result.status).toBe('ok');
    expect(result.value).toMatch(/^HTTP 200 in \d+ ms$/);
  });

  it('fails on a non-2xx answer and quotes the body', async () => {
    const result = await runCheck(apiHealthCheck, infraFor({ healthUrl: `${api.origin}/health/broken` }));
    expect(result).toMatchObject({
      status: 'fail',
      summary: `${api.origin}/health/broken answered 503: {"status":"degraded","database":"down"}`,
    });
  });

  it('fails when unreachable', async () => {
    const port = await closedPort();
    const result = await runCheck(apiHealthCheck, infraFor({ healthUrl: `http://127.0.0.1:${port}/health` }));
    expect(result).toMatchObject({ status: 'fail', value: 'unreachable' });
    expect(result.summary).toMatch(/ECONNREFUSED/);
  });

  it('is an error by timeout when the check deadline comes first', async () => {
    const result = await runCheck(apiHealthCheck, infraFor({ healthUrl: `${api.origin}/hang` }), { timeoutMs: 100 });
    expect(result).toMatchObject({ status: 'error', summary: 'timed out after 100 ms' });
  });
});
