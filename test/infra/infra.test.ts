import { describe, expect, it } from 'vitest';
import { parseOpsConfig } from '../../src/config/ops-config.js';
import { createInfra } from '../../src/infra/infra.js';
import { redisUrl } from '../support/services.js';

function environment(env: Record<string, unknown>) {
  const config = parseOpsConfig({
    services: {
      thermaliq: { command: '/thermaliq', displayName: 'ThermalIQ', environments: { production: env } },
    },
    roles: {},
    channels: { allowed: ['*'] },
  });
  const production = config.services.thermaliq?.environments.production;
  if (!production) throw new Error('no production environment');
  return production;
}

describe('createInfra', () => {
  it('leaves every adapter undefined when nothing is configured', async () => {
    const infra = createInfra(environment({}), { serviceKey: 'thermaliq', environment: 'production' });
    expect(infra).toMatchObject({
      kube: undefined,
      targetDb: undefined,
      cache: undefined,
      backups: undefined,
      prometheus: undefined,
      httpProbe: undefined,
      tls: undefined,
    });
    await infra.close();
  });

  it('treats empty interpolated values as not configured', () => {
    const infra = createInfra(
      environment({ database: { url: '' }, cache: { url: '' }, backups: { bucket: '' }, prometheus: { url: '' } }),
      { serviceKey: 'thermaliq' },
    );
    expect(infra.targetDb ?? infra.cache ?? infra.backups ?? infra.prometheus).toBeUndefined();
  });

  it('creates each configured adapter without connecting, and closes them', async () => {
    const infra = createInfra(
      environment({
        kubernetes: {
          namespace: 'gl-009-production',
          deployment: 'thermaliq',
          labelSelector: 'app=thermaliq',
          cluster: { server: 'https://10.0.0.1:6443', token: 't' },
        },
        database: { url: 'postgres://thermaliq@127.0.0.1:5432/thermaliq_production' },
        cache: { url: redisUrl(), keyPrefix: 'thermaliq:' },
        backups: { bucket: 'greenlang-backups', prefix: 'thermaliq/production/' },
        prometheus: { url: 'http://prometheus:9090', queries: { diskUsagePercent: 'disk_pct{service="{service}"}' } },
        healthUrl: 'https://api.greenlang.io/v1/thermaliq/health',
        tlsEndpoints: ['api.greenlang.io:443'],
      }),
      { serviceKey: 'thermaliq', environment: 'production' },
    );
    expect(infra.kube?.namespace).toBe('gl-009-production');
    expect(infra.targetDb?.label).toBe('127.0.0.1:5432/thermaliq_production');
    expect(infra.cache?.keyPrefix).toBe('thermaliq:');
    expect(infra.backups).toMatchObject({ bucket: 'greenlang-backups', prefix: 'thermaliq/production/' });
    expect(infra.prometheus?.queries.diskUsagePercent).toBe('disk_pct{service="thermaliq"}');
    expect(infra.httpProbe?.url).toBe('https://api.greenlang.io/v1/thermaliq/health');
    expect(infra.tls?.endpoints).toEqual([{ host: 'api.greenlang.io', port: 443 }]);
    await infra.close();
    // Idempotent: the run executor and a shutdown hook may both close.
    await infra.close();
  });
});
