import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/jobs/report.js';
import type { RunTarget } from '../../src/jobs/runbook.js';
import { certsRunbook } from '../../src/jobs/runbooks/security/certs.js';
import { paramsOf, runContext, runSteps } from '../runbooks/run-context.js';
import { createOpsWorld, type OpsWorld } from './ops-world.js';

const day = 86_400_000;
let ops: OpsWorld;
let runs = 0;

async function certs(adjust?: (t: RunTarget) => RunTarget): Promise<RunReport> {
  const ctx = runContext(ops.world, `r-certs-${++runs}`, adjust);
  try {
    const params = paramsOf(certsRunbook, []);
    const { outputs } = await runSteps(certsRunbook, ctx, params);
    return certsRunbook.report(ctx.target, params, outputs);
  } finally {
    await ctx.infra.close();
  }
}

beforeAll(async () => {
  ops = await createOpsWorld();
});
afterAll(() => ops.close());

describe('certs', () => {
  it('lists cert-manager Certificates and TLS endpoints with days left and renewal time', async () => {
    const r = await certs();
    expect(r.status).toBe('ok');
    expect(r.headline).toMatch(
      /^Certificates of GL-009 THERMALIQ \(production\): 2 checked; soonest: .*, (89|90) days left$/,
    );
    expect(r.items).toEqual([
      expect.objectContaining({
        id: 'certificate:thermaliq-api-tls',
        status: 'ok',
        value: expect.stringMatching(/^(89|90) days left$/),
        threshold: '< 30 d warns, < 7 d fails',
        summary: expect.stringMatching(/^expires \d{4}-\d\d-\d\d \d\d:\d\d UTC · renews .* \(in (59|60)d\d*h?\)$/),
      }),
      expect.objectContaining({
        id: `tls:127.0.0.1:${ops.world.tls.port}`,
        status: 'ok',
        value: expect.stringMatching(/^(89|90) days left$/),
      }),
    ]);
    expect(r.details[0]?.lines).toContainEqual('  DNS api.example.test');
  });

  it('warns for an overdue renewal and fails for an expired, not Ready certificate', async () => {
    const { kube, namespace } = ops.world;
    kube.addCertificate(namespace, 'stuck-tls', {
      notAfter: new Date(Date.now() + 10.5 * day),
      renewalTime: new Date(Date.now() - 2 * day),
      ready: true,
      dnsNames: ['stuck.example.test'],
    });
    kube.addCertificate(namespace, 'expired-tls', {
      notAfter: new Date(Date.now() - 1.5 * day),
      ready: false,
      dnsNames: ['old.example.test'],
    });
    const r = await certs();
    expect(r.status).toBe('fail');
    expect(r.items.find((i) => i.id === 'certificate:stuck-tls')).toMatchObject({
      status: 'warn',
      value: '10 days left',
      summary: expect.stringMatching(/renews .* \(2d ago\) · renewal overdue$/),
    });
    expect(r.items.find((i) => i.id === 'certificate:expired-tls')).toMatchObject({
      status: 'fail',
      value: 'expired 1 day ago',
      summary: expect.stringContaining('not Ready'),
    });
    expect(r.headline).toContain('soonest: Certificate expired-tls, expired 1 day ago');
  });

  it('warns for a configured Certificate that is missing, and says when cert-manager is not served', async () => {
    const only = (t: RunTarget): RunTarget => {
      const kubernetes = t.env.kubernetes
        ? { ...t.env.kubernetes, certificates: ['thermaliq-api-tls', 'gone-tls'] }
        : undefined;
      return { ...t, env: { ...t.env, kubernetes } };
    };
    const r = await certs(only);
    expect(r.items.map((i) => [i.id, i.status])).toEqual([
      ['certificate:thermaliq-api-tls', 'ok'],
      ['certificate:gone-tls', 'warn'],
      [`tls:127.0.0.1:${ops.world.tls.port}`, 'ok'],
    ]);

    ops.world.kube.failWith(/cert-manager\.io/, 404, { message: 'the server could not find the requested resource' });
    try {
      const absent = await certs();
      expect(absent.items[0]).toMatchObject({
        id: 'cert-manager',
        status: 'skipped',
        summary: 'cert-manager.io is not served by the cluster',
      });
      expect(absent.status).toBe('ok');
    } finally {
      ops.world.kube.clearFaults();
    }
  });
});
