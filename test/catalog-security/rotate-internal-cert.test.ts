import { createPrivateKey, X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { generateSelfSigned } from '../../src/infra/self-signed-cert.js';
import type { RunTarget } from '../../src/jobs/runbook.js';
import { rotateInternalCertRunbook } from '../../src/jobs/runbooks/security/rotate-internal-cert.js';
import {
  type Bot,
  captureLog,
  createWorld,
  people,
  production,
  runIdOf,
  startBot,
  type World,
} from '../helpers/world.js';
import { runContext } from '../runbooks/run-context.js';
import type { SignedPostResult } from '../support/slack-signing.js';

/**
 * `rotate internal-cert` through the bot: approval, the TLS Secret the fake Kubernetes API holds afterwards, the
 * rollout, the report, and the old Secret put back when the restart fails.
 */

const secretName = 'thermaliq-internal-tls';
const day = 86_400_000;
let world: World;
let bot: Bot;
const log = captureLog();
let oldData: Record<string, string> = {};

const secretSchema = z.object({ type: z.string(), data: z.record(z.string(), z.string()) });

function secretNow(): Record<string, string> {
  const s = secretSchema.parse(world.kube.secret(world.namespace, secretName));
  expect(s.type).toBe('kubernetes.io/tls');
  return Object.fromEntries(Object.entries(s.data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
}

function textOf(r: SignedPostResult): string {
  return z.object({ text: z.string() }).parse(r.json).text;
}

async function requestAndApprove(): Promise<string> {
  const runId = runIdOf(await bot.command('rotate internal-cert', { user: people.operator }));
  const { approvalId } = await bot.approvalMessage(runId, { timeoutMs: 30_000 });
  await bot.click('approval_approve', approvalId, { user: people.approver });
  return runId;
}

beforeAll(async () => {
  world = await createWorld((cfg) => {
    production(cfg).secrets = {
      internalCert: { secret: secretName, commonName: 'thermaliq-internal', days: 365, keySize: 2048 },
    };
  });
  const old = await generateSelfSigned({ commonName: 'thermaliq-internal', days: 30, keySize: 2048 });
  oldData = { 'tls.crt': old.certPem, 'tls.key': old.keyPem, 'ca.crt': old.certPem };
  world.kube.addSecret(world.namespace, secretName, 'kubernetes.io/tls', oldData);
  bot = await startBot(world, { logTo: log.stream });
}, 60_000);
afterAll(async () => {
  await bot?.stop();
  await world?.close();
});

describe('rotate internal-cert', () => {
  it('refuses extra words and unknown flags, calling nothing', async () => {
    const before = world.kube.requests.length;
    expect(textOf(await bot.command('rotate internal-cert 4096', { user: people.operator }))).toBe(
      'Extra word "4096": rotate internal-cert takes no words after its name. Example: `/thermaliq rotate internal-cert`',
    );
    expect(textOf(await bot.command('rotate internal-cert --days 30', { user: people.operator }))).toBe(
      'rotate internal-cert does not take --days; its flags are --env NAME, --dry-run. Example: `/thermaliq rotate internal-cert`',
    );
    expect(world.kube.requests.length).toBe(before);
  });

  it('refuses, before changing anything, a Secret that is missing or not kubernetes.io/tls, and a missing config', async () => {
    world.kube.addSecret(world.namespace, 'opaque-one', 'Opaque', { 'tls.crt': 'x' });
    const withSecret =
      (secret: string | undefined) =>
      (t: RunTarget): RunTarget => ({
        ...t,
        env: {
          ...t.env,
          secrets: secret
            ? { internalCert: { secret, commonName: 'thermaliq-internal', days: 365, keySize: 2048 } }
            : undefined,
        },
      });
    const refusal = async (secret: string | undefined) => {
      const ctx = runContext(world, 'r-cert-plan', withSecret(secret));
      try {
        await rotateInternalCertRunbook.plan?.(ctx, {});
        return 'planned';
      } catch (err) {
        return err instanceof Error ? err.message : String(err);
      } finally {
        await ctx.infra.close();
      }
    };
    const before = world.kube.requests.filter((r) => r.method !== 'GET').length;
    expect(await refusal('opaque-one')).toBe(
      'Secret opaque-one is of type Opaque, not kubernetes.io/tls; nothing was changed.',
    );
    expect(await refusal('no-such-tls')).toBe(`Secret no-such-tls does not exist in ${world.namespace}.`);
    expect(await refusal(undefined)).toBe(
      'Internal certificate rotation is not configured for production: set services.thermaliq.environments.production.secrets.internalCert (secret, commonName).',
    );
    expect(world.kube.requests.filter((r) => r.method !== 'GET').length).toBe(before);
  });

  it('puts a new key and certificate in the TLS Secret, restarts, and reports expiry and fingerprint', async () => {
    const since = world.kube.requests.length;
    const runId = await requestAndApprove();
    await bot.runStatus(runId, 'succeeded', 60_000);
    const final = await bot.finalMessage(runId);

    const now = secretNow();
    expect(Object.keys(now).sort()).toEqual(['ca.crt', 'tls.crt', 'tls.key']);
    // Self-signed: the new certificate is its own CA.
    expect(now['ca.crt']).toBe(now['tls.crt']);
    expect(now['tls.key']).not.toBe(oldData['tls.key']);
    const cert = new X509Certificate(now['tls.crt'] ?? '');
    const key = createPrivateKey(now['tls.key'] ?? '');
    expect(cert.subject).toBe('CN=thermaliq-internal');
    expect(cert.checkPrivateKey(key)).toBe(true);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(2048);
    const validMs = Date.parse(cert.validTo) - Date.now();
    expect(validMs).toBeGreaterThan(364 * day);
    expect(validMs).toBeLessThanOrEqual(365 * day);

    const writes = world.kube.requests.slice(since).filter((r) => r.method !== 'GET');
    expect(writes.map((r) => `${r.method} ${r.path}`)).toEqual([
      `PUT /api/v1/namespaces/${world.namespace}/secrets/${secretName}`,
      `PATCH /apis/apps/v1/namespaces/${world.namespace}/deployments/thermaliq`,
    ]);
    const shown = JSON.stringify(final.blocks);
    const expires = `${new Date(cert.validTo).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
    expect(shown).toContain(
      `Rotated the internal certificate of GL-009 THERMALIQ (production): CN=thermaliq-internal, expires ${expires}, SHA-256 ${cert.fingerprint256}`,
    );
    // The private key is nowhere but in the Secret.
    const keyBody = (now['tls.key'] ?? '').split('\n')[1] ?? '';
    expect(keyBody.length).toBeGreaterThan(40);
    const store = await bot.query<{ row: string }>(
      'SELECT r::text AS row FROM runs r WHERE id = $1 UNION ALL SELECT s::text FROM run_steps s WHERE run_id = $1 UNION ALL SELECT a::text FROM audit_events a WHERE run_id = $1',
      [runId],
    );
    expect(store.length).toBeGreaterThan(2);
    const written = [JSON.stringify(world.slack.calls), log.text(), ...store.map((s) => s.row)].join('\n');
    expect(written).toContain(cert.fingerprint256);
    expect(written.includes(keyBody)).toBe(false);
  }, 60_000);

  it('puts the old Secret back when the restart fails', async () => {
    const before = secretNow();
    world.kube.failWith(/\/deployments\/thermaliq$/, 500, {
      method: 'PATCH',
      times: 1,
      message: 'etcdserver: request timed out',
    });
    const since = world.kube.requests.length;
    const runId = await requestAndApprove();
    await bot.runStatus(runId, 'failed', 60_000);

    expect(secretNow()).toEqual(before);
    const writes = world.kube.requests.slice(since).filter((r) => r.method !== 'GET');
    expect(writes.map((r) => `${r.method} ${r.path.split('/').slice(-2).join('/')}`)).toEqual([
      `PUT secrets/${secretName}`,
      'PATCH deployments/thermaliq',
      `PUT secrets/${secretName}`,
      'PATCH deployments/thermaliq',
    ]);
    const [row] = await bot.query<{ error: string }>('SELECT error FROM runs WHERE id = $1', [runId]);
    expect(row?.error).toBe(
      'Certificate rotation failed during the restart: Kubernetes API answered 500 InternalError to restart deployment thermaliq: Internal error occurred: etcdserver: request timed out. The old Secret was put back and the deployment restarted with it.',
    );
  }, 60_000);
});
