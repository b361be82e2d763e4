import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectCertificate, parseEndpoint } from '../../src/infra/tls.js';
import { closedPort } from '../support/services.js';
import { startTlsServer, type TestTlsServer } from '../support/tls-server.js';

describe('inspectCertificate', () => {
  let soon: TestTlsServer;
  let expired: TestTlsServer;

  beforeAll(async () => {
    [soon, expired] = await Promise.all([
      startTlsServer({ daysValid: 10.5, commonName: 'api.thermaliq.test' }),
      startTlsServer({ daysValid: -2 }),
    ]);
  });
  afterAll(() => Promise.all([soon.close(), expired.close()]));

  it('reads notAfter, subject, issuer and whole days left of a self-signed certificate', async () => {
    const cert = await inspectCertificate({ host: soon.host, port: soon.port });
    expect(cert.notAfter.getTime()).toBe(soon.notAfter.getTime());
    expect(cert.daysLeft).toBe(10);
    expect(cert.subject).toContain('CN=api.thermaliq.test');
    expect(cert.issuer).toContain('CN=api.thermaliq.test');
  });

  it('reads an expired certificate instead of refusing it', async () => {
    const cert = await inspectCertificate({ host: expired.host, port: expired.port });
    expect(cert.daysLeft).toBe(-2);
  });

  it('fails with the cause when nothing listens', async () => {
    const port = await closedPort();
    await expect(inspectCertificate({ host: '127.0.0.1', port })).rejects.toThrow(
      /TLS handshake with 127\.0\.0\.1:\d+ failed: .*ECONNREFUSED/,
    );
  });

  it('rejects with the signal reason when aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(
      inspectCertificate({ host: soon.host, port: soon.port }, { signal: controller.signal }),
    ).rejects.toThrow('stop');
  });
});

describe('parseEndpoint', () => {
  it('splits host and port', () => {
    expect(parseEndpoint('api.example.com:8443')).toEqual({ host: 'api.example.com', port: 8443 });
  });
});
