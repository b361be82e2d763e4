import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type Bot, createWorld, people, runIdOf, startBot, type World } from '../helpers/world.js';
import type { SignedPostResult } from '../support/slack-signing.js';

/**
 * `certs renew <name>` through the bot against the fake API's simulated cert-manager: the Issuing condition as
 * `cmctl renew` sets it, the CertificateRequest cert-manager makes, and the Certificate it leaves behind.
 */

const day = 86_400_000;
let world: World;
let bot: Bot;

const certificateSchema = z.object({
  status: z.object({
    notAfter: z.string(),
    revision: z.number(),
    conditions: z.array(z.object({ type: z.string(), status: z.string(), reason: z.string().optional() })),
  }),
});

function textOf(r: SignedPostResult): string {
  return z.object({ text: z.string() }).parse(r.json).text;
}

beforeAll(async () => {
  world = await createWorld();
  world.kube.addCertificate(world.namespace, 'renew-me-tls', {
    notAfter: new Date(Date.now() + 20 * day),
    ready: true,
    dnsNames: ['renew.example.test'],
  });
  world.kube.addCertificate(world.namespace, 'failing-tls', {
    notAfter: new Date(Date.now() + 5 * day),
    ready: true,
    dnsNames: ['failing.example.test'],
  });
  bot = await startBot(world);
}, 60_000);
afterAll(async () => {
  await bot?.stop();
  await world?.close();
});

describe('certs renew', () => {
  it.each([
    [
      'certs renew',
      'certs renew needs <name>: a cert-manager Certificate name such as thermaliq-api-tls (lowercase letters, digits, "-" and ".").',
    ],
    [
      'certs renew Bad_Name',
      '<name> must be a cert-manager Certificate name such as thermaliq-api-tls (lowercase letters, digits, "-" and "."); you gave "Bad_Name".',
    ],
    ['certs renew renew-me-tls now', 'Extra word'],
    ['certs renew renew-me-tls --force', 'does not take --force'],
  ])('refuses `%s` with the reason, calling nothing', async (text, reason) => {
    const before = world.kube.requests.length;
    const reply = await bot.command(text, { user: people.operator });
    expect(textOf(reply)).toContain(reason);
    expect(world.kube.requests.length).toBe(before);
  });

  it('refuses a Certificate that does not exist, having only looked', async () => {
    const before = world.kube.requests.length;
    const reply = await bot.command('certs renew no-such-tls', { user: people.operator });
    expect(textOf(reply)).toContain(`Certificate no-such-tls does not exist in ${world.namespace}.`);
    expect(world.kube.requests.slice(before).map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET /apis/cert-manager.io/v1/namespaces/${world.namespace}/certificates/no-such-tls`,
    ]);
    const runs = await bot.query<{ n: string }>("SELECT count(*) AS n FROM runs WHERE runbook = 'certs renew'");
    expect(runs[0]?.n).toBe('0');
  });

  it('sets Issuing=True as cmctl renew does, waits for the new certificate, and reports both expiries', async () => {
    world.kube.certManager = { outcome: 'issue', validDays: 90 };
    const oldNotAfter = certificateSchema.parse(world.kube.certificate(world.namespace, 'renew-me-tls')).status
      .notAfter;
    const since = world.kube.requests.length;
    const runId = runIdOf(await bot.command('certs renew renew-me-tls', { user: people.operator }));
    await bot.runStatus(runId, 'succeeded', 30_000);
    const final = await bot.finalMessage(runId);

    const statusWrites = world.kube.requests.slice(since).filter((r) => r.method !== 'GET');
    expect(statusWrites).toHaveLength(1);
    expect(statusWrites[0]).toMatchObject({
      method: 'PUT',
      path: `/apis/cert-manager.io/v1/namespaces/${world.namespace}/certificates/renew-me-tls/status`,
      body: {
        metadata: { name: 'renew-me-tls', resourceVersion: expect.any(String) },
        status: {
          conditions: expect.arrayContaining([
            expect.objectContaining({
              type: 'Issuing',
              status: 'True',
              reason: 'ManuallyTriggered',
              message: 'Certificate re-issuance manually triggered',
            }),
          ]),
        },
      },
    });
    const now = certificateSchema.parse(world.kube.certificate(world.namespace, 'renew-me-tls')).status;
    expect(now.revision).toBe(2);
    expect(Date.parse(now.notAfter) - Date.now()).toBeGreaterThan(89 * day);
    expect(now.conditions.map((c) => `${c.type}=${c.status}`)).toEqual(['Ready=True']);
    expect(
      world.kube
        .certificateRequests(world.namespace)
        .map((r) => z.object({ metadata: z.object({ name: z.string() }) }).parse(r).metadata.name),
    ).toContain('renew-me-tls-2');

    const shown = JSON.stringify(final.blocks);
    const utc = (iso: string) => `${new Date(iso).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
    expect(shown).toContain(
      `Renewed certificate renew-me-tls in GL-009 THERMALIQ (production): expires ${utc(now.notAfter)} (was ${utc(oldNotAfter)})`,
    );
    expect(shown).toContain('CertificateRequest renew-me-tls-2');
  });

  it('fails with cert-manager’s reason when the issuance fails', async () => {
    world.kube.certManager = { outcome: 'fail', validDays: 90 };
    const runId = runIdOf(await bot.command('certs renew failing-tls', { user: people.operator }));
    await bot.runStatus(runId, 'failed', 30_000);
    const [row] = await bot.query<{ error: string }>('SELECT error FROM runs WHERE id = $1', [runId]);
    expect(row?.error).toMatch(
      /^cert-manager could not issue failing-tls: The certificate request has failed to complete and will be retried: .*ACME challenge failed$/,
    );
    const cert = certificateSchema.parse(world.kube.certificate(world.namespace, 'failing-tls')).status;
    expect(cert.revision).toBe(1);
  });
});
