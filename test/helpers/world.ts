import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { Redis } from 'ioredis';
import pg from 'pg';
import { loadEnv } from '../../src/config/env.js';
import { type EnvironmentConfig, type OpsConfig, parseOpsConfig } from '../../src/config/ops-config.js';
import { createLogger } from '../../src/log.js';
import { type Instance, start } from '../../src/main.js';
import { type FakeKube, startFakeKube } from '../support/fake-kube.js';
import { type FakePrometheus, startFakePrometheus } from '../support/fake-prometheus.js';
import { type FakeSlack, type SlackMessageState, slackMessageKey, startFakeSlack } from '../support/fake-slack.js';
import { podFixture } from '../support/kube-fixtures.js';
import { startS3, type TestS3 } from '../support/s3.js';
import {
  createTestDatabase,
  dropRedisKeys,
  redisUrl,
  type TestDatabase,
  uniquePrefix,
  waitUntil,
} from '../support/services.js';
import {
  blockActionBody,
  postSigned,
  type SignedPostResult,
  slashCommandBody,
  viewSubmissionBody,
} from '../support/slack-signing.js';
import { startTlsServer, type TestTlsServer } from '../support/tls-server.js';

/** Users and channels the test config knows. */
export const people = {
  viewer: 'UVIEWER1',
  operator: 'UOPERATOR1',
  approver: 'UAPPROVER1',
  approver2: 'UAPPROVER2',
  admin: 'UADMIN1',
  stranger: 'USTRANGER1',
  groupMember: 'UGROUPIE1',
} as const;
/** The channel commands are allowed in, and one they are not. */
export const channels = { ops: 'COPS0001', random: 'CRANDOM01' } as const;

const namespace = 'gl-009-production';
/** The signing secret every bot of a world verifies requests with. */
export const signingSecret = 'test-signing-secret-0123456789';
const storeUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A target database, cache, S3, Kubernetes, Prometheus, API endpoint and TLS endpoint, all healthy. */
export interface World {
  slack: FakeSlack;
  kube: FakeKube;
  prom: FakePrometheus;
  s3: TestS3;
  target: TestDatabase;
  tls: TestTlsServer;
  api: { url: string; status: number; server: Server };
  backupPrefix: string;
  cacheUrl: string;
  config: OpsConfig;
  storeSchema: string;
  namespace: string;
  close(): Promise<void>;
}

/** The ops config pointing at the world's fakes and real services. */
function configFor(w: Omit<World, 'config' | 'close' | 'storeSchema'>, overrides: (cfg: OpsConfig) => void): OpsConfig {
  const raw = {
    services: {
      thermaliq: {
        command: '/thermaliq',
        displayName: 'GL-009 THERMALIQ',
        defaultEnvironment: 'production',
        // The tests share one local Redis whose server-wide fragmentation and memory depend on every other test;
        // the Redis tests that exercise these thresholds set their own.
        thresholds: { cacheFragmentationRatio: 1000, cacheMemoryPercent: 100 },
        environments: {
          production: {
            kubernetes: {
              namespace,
              deployment: 'thermaliq',
              labelSelector: 'app=thermaliq',
              cluster: { server: w.kube.url, token: 'test-token', skipTLSVerify: true },
            },
            database: { url: w.target.url },
            cache: { url: w.cacheUrl },
            backups: {
              bucket: w.s3.bucket,
              prefix: w.backupPrefix,
              endpoint: w.s3.endpoint,
              forcePathStyle: true,
              accessKeyId: 'S3RVER',
              secretAccessKey: 'S3RVER',
            },
            prometheus: {
              url: w.prom.url,
              queries: { diskUsagePercent: 'max(thermaliq_volume_used_percent)' },
            },
            healthUrl: w.api.url,
            tlsEndpoints: [`127.0.0.1:${w.tls.port}`],
          },
          staging: {},
        },
      },
    },
    roles: {
      viewer: [people.viewer],
      operator: [people.operator, 'SOPSGROUP1'],
      approver: [people.approver, people.approver2],
      admin: [people.admin],
    },
    channels: { allowed: [channels.ops] },
    health: { checkTimeoutMs: 3000 },
  };
  const cfg = parseOpsConfig(raw);
  overrides(cfg);
  return cfg;
}

/** The production environment of the test service, for tests to adjust. */
export function production(cfg: OpsConfig): EnvironmentConfig {
  const env = cfg.services.thermaliq?.environments.production;
  if (!env) throw new Error('test config has no thermaliq production');
  return env;
}

/** Builds a healthy world; `overrides` adjusts the validated config. */
export async function createWorld(overrides: (cfg: OpsConfig) => void = () => {}): Promise<World> {
  const [slack, kube, prom, s3, target, tls] = await Promise.all([
    startFakeSlack(),
    startFakeKube(),
    startFakePrometheus(),
    startS3({ buckets: ['thermaliq-backups'] }),
    createTestDatabase('target'),
    startTlsServer({ daysValid: 90 }),
  ]);
  const api = await startApi();
  const backupPrefix = `thermaliq/${uniquePrefix('bk')}/`;
  const cacheUrl = `${redisUrl()}/${1 + Math.floor(Math.random() * 14)}`;

  // Kubernetes: two ready pods, two ready nodes, metrics, a certificate valid for 90 days, quiet logs.
  kube.addDeployment(namespace, 'thermaliq', { replicas: 2, labels: { app: 'thermaliq' } });
  kube.addNode('node-a', true);
  kube.addNode('node-b', true);
  for (const pod of kube.pods(namespace)) {
    const name = String((pod.metadata as { name?: string } | undefined)?.name);
    kube.setPodMetrics(namespace, name, { cpu: '250m', memory: '512Mi' });
    kube.setPodLogs(namespace, name, `${new Date().toISOString()} INFO calculation finished\n`);
  }
  kube.addCertificate(namespace, 'thermaliq-api-tls', {
    notAfter: new Date(Date.now() + 90 * 86_400_000),
    ready: true,
    dnsNames: ['api.example.test'],
  });
  // Prometheus: the guides' queries, healthy values.
  prom.respond('thermaliq_calculation_errors_total', 0.002);
  prom.respond('histogram_quantile(0.95', 3.2);
  prom.respond('thermaliq_cache_hits_total', 0.91);
  prom.respond('thermaliq_volume_used_percent', 41);
  // A fresh backup.
  await s3.putObject(s3.bucket, `${backupPrefix}thermaliq-${Date.now()}.sql.gz`, 'backup-bytes');

  const partial = { slack, kube, prom, s3, target, tls, api, backupPrefix, cacheUrl, namespace };
  const config = configFor(partial, overrides);
  const storeSchema = uniquePrefix('store').replace(/-/g, '_');
  return {
    ...partial,
    config,
    storeSchema,
    async close() {
      await Promise.allSettled([
        slack.close(),
        kube.close(),
        prom.close(),
        s3.close(),
        tls.close(),
        new Promise((r) => api.server.close(r)),
      ]);
      await target.drop().catch(() => {});
      // The queue's keys (every bot of this world uses the store schema as its queue prefix).
      await dropRedisKeys(storeSchema.replace(/_/g, '-')).catch(() => {});
      const client = new pg.Client({ connectionString: storeUrl });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${storeSchema} CASCADE`);
      await client.query(`DROP SCHEMA IF EXISTS ${storeSchema}_queue CASCADE`);
      await client.end();
    },
  };
}

async function startApi(): Promise<World['api']> {
  const state = { status: 200 };
  const server = createServer((_req, res) => {
    res.writeHead(state.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: state.status === 200 ? 'healthy' : 'unhealthy' }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/v1/thermaliq/health`,
    server,
    get status() {
      return state.status;
    },
    set status(v: number) {
      state.status = v;
    },
  };
}

/** Adds a crashlooping pod to the service. */
export function addCrashLoopingPod(w: World): void {
  w.kube.addPod(
    namespace,
    podFixture({
      name: 'thermaliq-crashy-7d9f',
      namespace,
      labels: { app: 'thermaliq' },
      phase: 'Running',
      ready: false,
      restarts: 14,
      waitingReason: 'CrashLoopBackOff',
    }),
  );
}

/** A running bot + worker against a world. */
export interface Bot {
  instance: Instance;
  url: string;
  /** Sends a signed slash command as Slack would. */
  command(
    text: string,
    opts?: { user?: string; channel?: string; command?: string; timestamp?: number; secret?: string },
  ): Promise<SignedPostResult>;
  /** Clicks a button in a channel message as Slack would (signed block_actions). */
  click(
    actionId: string,
    value: string,
    opts: { user: string; messageTs?: string; channel?: string },
  ): Promise<SignedPostResult>;
  /** Submits the reject-reason modal as Slack would (signed view_submission). */
  submitRejectReason(approvalId: string, reason: string, user: string): Promise<SignedPostResult>;
  /** Waits for the approval message of a run (the plan with its buttons) and returns its ts and approval id. */
  approvalMessage(
    runId: string,
    opts?: { status?: string; not?: string; timeoutMs?: number },
  ): Promise<{ ts: string; approvalId: string }>;
  /** Waits for the run to reach a status. */
  runStatus(runId: string, status: string, timeoutMs?: number): Promise<void>;
  /** Ephemeral messages the bot sent a user. */
  ephemeralsFor(user: string): string[];
  /** Waits for the run's final message (not the live one) and returns it. */
  finalMessage(runId: string, timeoutMs?: number): Promise<SlackMessageState>;
  /** Rows of the store. */
  query<T extends pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<T[]>;
  stop(): Promise<void>;
}

/** The environment a bot (or a spawned worker process) of this world runs with. */
export function botEnv(
  w: World,
  opts: { queue?: 'redis' | 'postgres'; role?: 'all' | 'bot' | 'worker'; env?: Record<string, string> } = {},
): Record<string, string> {
  return {
    ROLE: opts.role ?? 'all',
    PORT: '0',
    HOST: '127.0.0.1',
    SLACK_BOT_TOKEN: 'xoxb-test-token',
    SLACK_SIGNING_SECRET: signingSecret,
    SLACK_API_URL: w.slack.url,
    DATABASE_URL: storeUrl,
    ...(opts.queue === 'postgres' ? {} : { REDIS_URL: redisUrl() }),
    STORE_SCHEMA: w.storeSchema,
    QUEUE_NAME: 'runbooks',
    QUEUE_PREFIX: w.storeSchema.replace(/_/g, '-'),
    SHUTDOWN_TIMEOUT_MS: '5000',
    APPROVAL_SWEEP_MS: '200',
    LOG_LEVEL: 'silent',
    ...opts.env,
  };
}

/** Starts the real bot (ROLE=all by default) on the world. */
export async function startBot(
  w: World,
  opts: {
    queue?: 'redis' | 'postgres';
    role?: 'all' | 'bot' | 'worker';
    env?: Record<string, string>;
    /** Where the bot's JSON log lines go (silent when absent). */
    logTo?: NodeJS.WritableStream;
    /**
     * Slack pacing as deployed (1.05 s turns). Tests pace at 50 ms to run fast; a bot sharing channels with worker
     * processes (which pace as deployed) must pace as they do, or its short turns let theirs come early.
     */
    paceAsDeployed?: boolean;
  } = {},
): Promise<Bot> {
  const env = loadEnv(botEnv(w, opts));
  const instance = await start({
    env,
    config: w.config,
    log: opts.logTo ? createLogger('debug', opts.logTo) : createLogger('silent'),
    outbox: opts.paceAsDeployed ? {} : { postIntervalMs: 50, updateIntervalMs: 50, backoffMs: 20 },
  });
  const url = `http://127.0.0.1:${instance.port}/slack/events`;
  const pool = new pg.Pool({ connectionString: storeUrl, max: 2, options: `-c search_path=${w.storeSchema}` });
  return {
    instance,
    url,
    command(text, o = {}) {
      const body = slashCommandBody({
        command: o.command ?? '/thermaliq',
        text,
        user_id: o.user ?? people.operator,
        channel_id: o.channel ?? channels.ops,
      });
      return postSigned(url, o.secret ?? signingSecret, body, { timestamp: o.timestamp });
    },
    async finalMessage(runId, timeoutMs = 15_000) {
      const ts = await waitUntil(
        async () => {
          // reported_at is set once the whole final report (message, thread detail, files) reached Slack.
          const rows = await pool.query<{ status: string; message_ts: string | null; reported: boolean }>(
            'SELECT status, message_ts, reported_at IS NOT NULL AS reported FROM runs WHERE id = $1',
            [runId],
          );
          const row = rows.rows[0];
          return row && !['queued', 'running'].includes(row.status) && row.reported && row.message_ts
            ? row.message_ts
            : undefined;
        },
        { timeoutMs, description: `run ${runId} to finish and its report to be delivered` },
      );
      return waitUntil(
        () => {
          const m = w.slack.messages().get(slackMessageKey(channels.ops, ts));
          const header = JSON.stringify(m?.blocks ?? '');
          return m && !header.includes(':arrows_counterclockwise:') ? m : undefined;
        },
        { timeoutMs, description: `the final message of ${runId}` },
      );
    },
    async query(sql, params) {
      return (await pool.query(sql, params)).rows;
    },
    click(actionId, value, o) {
      const body = blockActionBody({
        action_id: actionId,
        value,
        user_id: o.user,
        channel_id: o.channel ?? channels.ops,
        message_ts: o.messageTs ?? '1700000000.000100',
      });
      return postSigned(url, signingSecret, body);
    },
    submitRejectReason(approvalId, reason, user) {
      const body = viewSubmissionBody({
        user_id: user,
        callback_id: 'approval_reject_reason',
        private_metadata: JSON.stringify({ approvalId, channelId: channels.ops }),
        state_values: { reason: { reason: { type: 'plain_text_input', value: reason } } },
      });
      return postSigned(url, signingSecret, body);
    },
    async approvalMessage(runId, o = {}) {
      return waitUntil(
        async () => {
          const rows = await pool.query<{ id: string; message_ts: string | null; status: string }>(
            'SELECT id, message_ts, status FROM approvals WHERE run_id = $1 ORDER BY created_at DESC LIMIT 1',
            [runId],
          );
          const row = rows.rows[0];
          if (!row?.message_ts || (o.status && row.status !== o.status) || row.id === o.not) return undefined;
          return { ts: row.message_ts, approvalId: row.id };
        },
        { timeoutMs: o.timeoutMs ?? 15_000, description: `the approval message of ${runId}` },
      );
    },
    async runStatus(runId, status, timeoutMs = 15_000) {
      await waitUntil(
        async () =>
          (await pool.query<{ status: string }>('SELECT status FROM runs WHERE id = $1', [runId])).rows[0]?.status ===
          status,
        { timeoutMs, description: `run ${runId} to be ${status}` },
      );
    },
    ephemeralsFor(user) {
      return w.slack
        .callsOf('chat.postEphemeral')
        .filter((c) => c.body.user === user)
        .map((c) => String(c.body.text));
    },
    async stop() {
      await instance.stop();
      await pool.end();
    },
  };
}

/** A Redis client on the world's cache database, for seeding and faults. */
export function cacheClient(w: World): Redis {
  return new Redis(w.cacheUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
}

/** The run id an accepted command reply names. */
export function runIdOf(reply: SignedPostResult): string {
  const match = /run `?(r-[0-9a-f]+)`?/.exec(reply.text);
  if (!match?.[1]) throw new Error(`no run id in reply: ${reply.text}`);
  return match[1];
}

/** A stream to pass as `startBot`'s `logTo`, and everything written to it so far. */
export function captureLog(): { stream: NodeJS.WritableStream; text(): string } {
  let text = '';
  const stream = new PassThrough();
  stream.on('data', (d: Buffer) => {
    text += d.toString();
  });
  return { stream, text: () => text };
}
