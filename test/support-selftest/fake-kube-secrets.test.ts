import { ApiException, CoreV1Api, CustomObjectsApi, type V1Secret } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type FakeKube, kubeConfigFor, startFakeKube } from '../support/fake-kube.js';
import { waitUntil } from '../support/services.js';

/** Secrets, cert-manager Certificate status updates and CertificateRequests of the fake API, through client-node. */

const ns = 'selftest';
let kube: FakeKube;
let core: CoreV1Api;
let custom: CustomObjectsApi;

async function statusOf(work: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await work;
    return { code: 200, message: '' };
  } catch (err) {
    if (!(err instanceof ApiException)) throw err;
    const body = z.object({ kind: z.literal('Status'), message: z.string() }).parse(JSON.parse(String(err.body)));
    return { code: err.code, message: body.message };
  }
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

beforeAll(async () => {
  kube = await startFakeKube();
  core = kubeConfigFor(kube).makeApiClient(CoreV1Api);
  custom = kubeConfigFor(kube).makeApiClient(CustomObjectsApi);
  kube.addSecret(ns, 'app-credentials', 'Opaque', { username: 'app', password: 'hunter2' });
  kube.addCertificate(ns, 'api-tls', {
    notAfter: new Date(Date.now() + 10 * 86_400_000),
    ready: true,
    dnsNames: ['api.test'],
  });
});
afterAll(() => kube.close());

describe('fake Kubernetes Secrets', () => {
  it('reads a Secret with base64 data, and 404s a missing one', async () => {
    const s = await core.readNamespacedSecret({ name: 'app-credentials', namespace: ns });
    expect(s.type).toBe('Opaque');
    expect(s.data).toEqual({ username: b64('app'), password: b64('hunter2') });
    expect(s.metadata?.resourceVersion).toMatch(/^\d+$/);
    expect(await statusOf(core.readNamespacedSecret({ name: 'nope', namespace: ns }))).toEqual({
      code: 404,
      message: 'secrets "nope" not found',
    });
  });

  it('replaces data (stringData merged), refuses a stale resourceVersion, bad base64 and a changed type', async () => {
    const s = await core.readNamespacedSecret({ name: 'app-credentials', namespace: ns });
    const body: V1Secret = { ...s, data: { username: b64('app') }, stringData: { password: 'swordfish' } };
    const replaced = await core.replaceNamespacedSecret({ name: 'app-credentials', namespace: ns, body });
    expect(replaced.data).toEqual({ username: b64('app'), password: b64('swordfish') });
    expect(replaced.stringData).toBeUndefined();
    expect(replaced.metadata?.resourceVersion).not.toBe(s.metadata?.resourceVersion);

    expect(await statusOf(core.replaceNamespacedSecret({ name: 'app-credentials', namespace: ns, body: s }))).toEqual({
      code: 409,
      message:
        'Operation cannot be fulfilled on secrets "app-credentials": the object has been modified; please apply your changes to the latest version and try again',
    });
    const fresh = await core.readNamespacedSecret({ name: 'app-credentials', namespace: ns });
    const bad = await statusOf(
      core.replaceNamespacedSecret({
        name: 'app-credentials',
        namespace: ns,
        body: { ...fresh, data: { password: 'not base64!' } },
      }),
    );
    expect(bad.code).toBe(400);
    expect(bad.message).toContain('illegal base64 data');
    const retyped = await statusOf(
      core.replaceNamespacedSecret({
        name: 'app-credentials',
        namespace: ns,
        body: { ...fresh, type: 'kubernetes.io/tls' },
      }),
    );
    expect(retyped).toEqual({
      code: 422,
      message: 'Secret "app-credentials" is invalid: type: Invalid value: "kubernetes.io/tls": field is immutable',
    });
  });
});

describe('fake cert-manager', () => {
  const certificates = { group: 'cert-manager.io', version: 'v1', namespace: ns, plural: 'certificates' } as const;
  const certSchema = z.object({
    metadata: z.object({ resourceVersion: z.string() }),
    spec: z.object({ dnsNames: z.array(z.string()) }),
    status: z.looseObject({
      revision: z.number(),
      notAfter: z.string(),
      conditions: z.array(z.looseObject({ type: z.string(), status: z.string(), reason: z.string().optional() })),
    }),
  });

  it('updates only the status through the status subresource, and issues again once Issuing=True', async () => {
    kube.certManager = { outcome: 'issue', validDays: 90 };
    const before = certSchema.parse(await custom.getNamespacedCustomObject({ ...certificates, name: 'api-tls' }));
    const body = {
      ...before,
      spec: { dnsNames: ['ignored.test'] },
      status: {
        ...before.status,
        conditions: [...before.status.conditions, { type: 'Issuing', status: 'True', reason: 'ManuallyTriggered' }],
      },
    };
    const updated = certSchema.parse(
      await custom.replaceNamespacedCustomObjectStatus({ ...certificates, name: 'api-tls', body }),
    );
    expect(updated.spec.dnsNames).toEqual(['api.test']);
    expect(updated.status.conditions.map((c) => `${c.type}=${c.status}`)).toEqual(['Ready=True', 'Issuing=True']);
    // A stale write is refused like any other.
    expect(
      await statusOf(custom.replaceNamespacedCustomObjectStatus({ ...certificates, name: 'api-tls', body })),
    ).toMatchObject({ code: 409 });

    const issued = await waitUntil(
      async () => {
        const c = certSchema.parse(await custom.getNamespacedCustomObject({ ...certificates, name: 'api-tls' }));
        return c.status.revision === 2 ? c : undefined;
      },
      { description: 'cert-manager to issue revision 2' },
    );
    expect(issued.status.conditions.map((c) => `${c.type}=${c.status}`)).toEqual(['Ready=True']);
    expect(Date.parse(issued.status.notAfter)).toBeGreaterThan(Date.parse(before.status.notAfter));
    const requests = z
      .object({
        kind: z.literal('CertificateRequestList'),
        items: z.array(
          z.object({
            metadata: z.object({ name: z.string(), annotations: z.record(z.string(), z.string()) }),
            status: z.object({ conditions: z.array(z.object({ type: z.string(), status: z.string() })) }),
          }),
        ),
      })
      .parse(
        await custom.listNamespacedCustomObject({
          group: 'cert-manager.io',
          version: 'v1',
          namespace: ns,
          plural: 'certificaterequests',
        }),
      );
    expect(requests.items).toEqual([
      expect.objectContaining({
        metadata: expect.objectContaining({
          name: 'api-tls-2',
          annotations: expect.objectContaining({
            'cert-manager.io/certificate-name': 'api-tls',
            'cert-manager.io/certificate-revision': '2',
          }),
        }),
        status: {
          conditions: [
            expect.objectContaining({ type: 'Approved', status: 'True' }),
            expect.objectContaining({ type: 'Ready', status: 'True' }),
          ],
        },
      }),
    ]);
  });

  it('leaves a Certificate Issuing when cert-manager does not run', async () => {
    kube.certManager = { outcome: 'never', validDays: 90 };
    kube.addCertificate(ns, 'idle-tls', {
      notAfter: new Date(Date.now() + 86_400_000),
      ready: true,
      dnsNames: ['idle.test'],
    });
    const c = certSchema.parse(await custom.getNamespacedCustomObject({ ...certificates, name: 'idle-tls' }));
    const body = {
      ...c,
      status: { ...c.status, conditions: [...c.status.conditions, { type: 'Issuing', status: 'True' }] },
    };
    await custom.replaceNamespacedCustomObjectStatus({ ...certificates, name: 'idle-tls', body });
    const after = certSchema.parse(await custom.getNamespacedCustomObject({ ...certificates, name: 'idle-tls' }));
    expect(after.status.revision).toBe(1);
    expect(kube.certificateRequests(ns).map((r) => JSON.stringify(r))).not.toContainEqual(
      expect.stringContaining('idle-tls'),
    );
  });
});
