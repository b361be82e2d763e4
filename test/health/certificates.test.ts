import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { certificatesCheck } from '../../src/jobs/health/checks/certificates.js';
import { type FakeKube, startFakeKube } from '../support/fake-kube.js';
import { closedPort } from '../support/services.js';
import { startTlsServer, type TestTlsServer } from '../support/tls-server.js';
import { infraFor, kubernetesBlock, namespace, runCheck } from './environment.js';

const day = 86_400_000;

describe('certificates check with cert-manager', () => {
  let kube: FakeKube;
  beforeEach(async () => {
    kube = await startFakeKube();
  });
  afterEach(() => kube.close());

  it('warns for a Certificate expiring in 10 days', async () => {
    kube.addCertificate(namespace, 'vcci-api-tls', {
      notAfter: new Date(Date.now() + 10.5 * day),
      ready: true,
      dnsNames: ['api.vcci-platform.com'],
    });
    const result = await runCheck(certificatesCheck, infraFor({ kubernetes: kubernetesBlock(kube.url) }));
    expect(result).toMatchObject({
      status: 'warn',
      value: '10 days (Certificate vcci-api-tls)',
      threshold: '< 30 days warns, < 7 days or expired fails',
    });
    expect(result.summary).toMatch(/^Certificate vcci-api-tls expires in 10 days \(\d{4}-\d{2}-\d{2}\)$/);
  });

  it('fails under the critical days, and for an expired one', async () => {
    kube.addCertificate(namespace, 'soon', { notAfter: new Date(Date.now() + 3 * day), ready: true, dnsNames: ['a'] });
    kube.addCertificate(namespace, 'gone', {
      notAfter: new Date(Date.now() - 2.5 * day),
      ready: false,
      dnsNames: ['b'],
    });
    const result = await runCheck(certificatesCheck, infraFor({ kubernetes: kubernetesBlock(kube.url) }));
    expect(result.status).toBe('fail');
    expect(result.value).toBe('-2 days (Certificate gone)');
    expect(result.details).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^fail · Certificate soon expires in 2 days/),
        expect.stringMatching(/^fail · Certificate gone expired 2 days ago .*; not Ready: Certificate expired on/),
      ]),
    );
  });

  it('warns for a valid Certificate that is not Ready, and for a configured one that is missing', async () => {
    kube.addCertificate(namespace, 'api-tls', {
      notAfter: new Date(Date.now() + 60 * day),
      ready: false,
      dnsNames: ['a'],
    });
    const result = await runCheck(
      certificatesCheck,
      infraFor({ kubernetes: kubernetesBlock(kube.url, { certificates: ['api-tls', 'ingress-tls'] }) }),
    );
    expect(result.status).toBe('warn');
    expect(result.details).toEqual([
      expect.stringMatching(
        /^warn · Certificate api-tls expires in (59|60) days .*; not Ready: .*ACME challenge failed/,
      ),
      `warn · Certificate ingress-tls not found in ${namespace}`,
    ]);
  });

  it('is skipped when cert-manager is absent and no TLS endpoint is configured', async () => {
    kube.failWith(/cert-manager\.io/, 404, { message: 'the server could not find the requested resource' });
    const result = await runCheck(certificatesCheck, infraFor({ kubernetes: kubernetesBlock(kube.url) }));
    expect(result.status).toBe('skipped');
    expect(result.summary).toContain('services.thermaliq.environments.production.tlsEndpoints');
  });

  it('is an error when the API fails', async () => {
    kube.failWith(/certificates$/, 500, { message: 'conversion webhook unavailable' });
    const result = await runCheck(certificatesCheck, infraFor({ kubernetes: kubernetesBlock(kube.url) }));
    expect(result.status).toBe('error');
    expect(result.summary).toContain('500');
  });
});

describe('certificates check with TLS endpoints', () => {
  let soon: TestTlsServer;
  let good: TestTlsServer;
  beforeAll(async () => {
    [soon, good] = await Promise.all([startTlsServer({ daysValid: 10.5 }), startTlsServer({ daysValid: 90 })]);
  });
  afterAll(() => Promise.all([soon.close(), good.close()]));

  it('warns for an endpoint whose certificate expires in 10 days', async () => {
    const result = await runCheck(
      certificatesCheck,
      infraFor({ tlsEndpoints: [`${good.host}:${good.port}`, `${soon.host}:${soon.port}`] }),
    );
    expect(result).toMatchObject({ status: 'warn', value: `10 days (127.0.0.1:${soon.port})` });
    expect(result.summary).toContain(`127.0.0.1:${soon.port} expires in 10 days`);
    expect(result.details).toHaveLength(2);
  });

  it('is an error for an endpoint that cannot be reached, keeping the others', async () => {
    const port = await closedPort();
    const result = await runCheck(
      certificatesCheck,
      infraFor({ tlsEndpoints: [`${good.host}:${good.port}`, `127.0.0.1:${port}`] }),
    );
    expect(result.status).toBe('error');
    expect(result.details).toEqual([
      expect.stringMatching(/^ok · 127\.0\.0\.1:\d+ expires in (89|90) days/),
      expect.stringMatching(/^error · TLS handshake with 127\.0\.0\.1:\d+ failed: .*ECONNREFUSED/),
    ]);
  });
});
