import { createHmac } from 'node:crypto';
import { connect as netConnect } from 'node:net';
import { type PeerCertificate, connect as tlsConnect } from 'node:tls';
import { HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  Metrics,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { App, isValidSlackRequest, LogLevel } from '@slack/bolt';
import { ErrorCode, WebClient } from '@slack/web-api';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeKube, kubeConfigFor, startFakeKube } from '../support/fake-kube.js';
import { type FakePrometheus, formatPromValue, startFakePrometheus } from '../support/fake-prometheus.js';
import { type FakeSlack, slackMessageKey, startFakeSlack } from '../support/fake-slack.js';
import { podFixture } from '../support/kube-fixtures.js';
import { startS3, type TestS3 } from '../support/s3.js';
import { closedPort, createTestDatabase, redisUrl, uniquePrefix, waitUntil } from '../support/services.js';
import { blockActionBody, postSigned, signSlackRequest, slashCommandBody } from '../support/slack-signing.js';
import { startTlsServer } from '../support/tls-server.js';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

describe('fake Slack through @slack/web-api', () => {
  let slack: FakeSlack;
  let client: WebClient;

  beforeAll(async () => {
    slack = await startFakeSlack();
    client = new WebClient('xoxb-test', { slackApiUrl: slack.url, retryConfig: { retries: 0 } });
  });
  afterAll(async () => {
    await slack.close();
  });

  it('serves a WebClient base URL ending in /api/', () => {
    expect(slack.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/$/);
  });

  it('posts, threads and updates messages with decoded blocks', async () => {
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*Runbook* started' } }];
    const posted = await client.chat.postMessage({ channel: 'C0OPS', text: 'Runbook started', blocks });
    expect(posted.ok).toBe(true);
    expect(posted.channel).toBe('C0OPS');
    expect(posted.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(posted.message?.text).toBe('Runbook started');

    const call = slack.callsOf('chat.postMessage').at(-1);
    expect(call?.token).toBe('xoxb-test');
    expect(call?.body.blocks).toEqual(blocks);

    const ts = posted.ts ?? '';
    const reply = await client.chat.postMessage({ channel: 'C0OPS', thread_ts: ts, text: 'step 1 ok' });
    expect(Number(reply.ts)).toBeGreaterThan(Number(ts));

    const updated = await client.chat.update({ channel: 'C0OPS', ts, text: 'Runbook finished', blocks: [] });
    expect(updated).toMatchObject({ ok: true, channel: 'C0OPS', ts, text: 'Runbook finished' });

    const messages = slack.messages();
    expect(messages.get(slackMessageKey('C0OPS', ts))).toMatchObject({
      text: 'Runbook finished',
      blocks: [],
      updates: 1,
    });
    expect(messages.get(slackMessageKey('C0OPS', reply.ts ?? ''))).toMatchObject({ thread_ts: ts, text: 'step 1 ok' });

    const ephemeral = await client.chat.postEphemeral({ channel: 'C0OPS', user: 'U0ALICE', text: 'only you' });
    expect(ephemeral.message_ts).toMatch(/^\d{10}\.\d{6}$/);
    await expect(client.chat.update({ channel: 'C0OPS', ts: '1.000000', text: 'x' })).rejects.toMatchObject({
      code: ErrorCode.PlatformError,
      data: { error: 'message_not_found' },
    });
  });

  it('lists usergroup members and rejects unknown groups with no_such_subteam', async () => {
    slack.setUsergroupMembers('S0ONCALL', ['U0ALICE', 'U0BOB']);
    const members = await client.usergroups.users.list({ usergroup: 'S0ONCALL' });
    expect(members.users).toEqual(['U0ALICE', 'U0BOB']);
    await expect(client.usergroups.users.list({ usergroup: 'S0NOPE' })).rejects.toMatchObject({
      code: ErrorCode.PlatformError,
      data: { ok: false, error: 'no_such_subteam' },
    });
  });

  it('answers users.info, conversations.info, auth.test and unknown methods', async () => {
    slack.setUser('U0ALICE', { name: 'alice', real_name: 'Alice Liddell', display_name: 'ali' });
    const user = await client.users.info({ user: 'U0ALICE' });
    expect(user.user).toMatchObject({
      id: 'U0ALICE',
      name: 'alice',
      real_name: 'Alice Liddell',
      profile: { display_name: 'ali' },
    });
    const channel = await client.conversations.info({ channel: 'C0OPS' });
    expect(channel.channel?.id).toBe('C0OPS');
    const auth = await client.auth.test();
    expect(auth.user_id).toBe(slack.botUserId);
    await expect(client.apiCall('runbooks.frobnicate')).rejects.toMatchObject({ data: { error: 'unknown_method' } });
  });

  it('injects Slack errors and 429 rate limits', async () => {
    slack.failNext('chat.postMessage', { error: 'channel_not_found' });
    await expect(client.chat.postMessage({ channel: 'C0OPS', text: 'x' })).rejects.toMatchObject({
      data: { error: 'channel_not_found' },
    });

    const strict = new WebClient('xoxb-test', { slackApiUrl: slack.url, rejectRateLimitedCalls: true });
    slack.failNext('chat.postMessage', { retryAfter: 7 });
    await expect(strict.chat.postMessage({ channel: 'C0OPS', text: 'x' })).rejects.toMatchObject({
      code: ErrorCode.RateLimitedError,
      retryAfter: 7,
    });
    // The failure was consumed: the next call succeeds.
    await expect(strict.chat.postMessage({ channel: 'C0OPS', text: 'x' })).resolves.toMatchObject({ ok: true });
  });

  it('uploads files through the external upload flow', async () => {
    const bytes = Buffer.from('line 1\nline 2\n');
    await client.filesUploadV2({
      channel_id: 'C0OPS',
      thread_ts: '1700000000.000100',
      file: bytes,
      filename: 'report.txt',
      title: 'Health report',
    });
    const [upload] = slack.uploads();
    expect(upload).toMatchObject({
      filename: 'report.txt',
      title: 'Health report',
      channel_id: 'C0OPS',
      thread_ts: '1700000000.000100',
    });
    expect(upload?.bytes.equals(bytes)).toBe(true);
  });

  it('waits for future calls and explains timeouts', async () => {
    const waiting = slack.waitFor((c) => c.method === 'chat.postMessage' && c.body.text === 'later');
    await client.chat.postMessage({ channel: 'C0OPS', text: 'later' });
    await expect(waiting).resolves.toMatchObject({ method: 'chat.postMessage' });
    await expect(slack.waitFor((c) => c.method === 'views.open', 50)).rejects.toThrow(
      /methods seen: .*chat\.postMessage×/,
    );
  });

  it('records response_url posts', async () => {
    const response = await fetch(slack.responseUrl('cmd-1'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ response_type: 'ephemeral', text: 'done' }),
    });
    expect(response.status).toBe(200);
    const call = await slack.waitFor((c) => c.method === 'response_url' && c.responseUrlId === 'cmd-1');
    expect(call.body).toEqual({ response_type: 'ephemeral', text: 'done' });
  });
});

describe('Slack request signing', () => {
  it('signs like Slack and verifies with Bolt', () => {
    const body = slashCommandBody({
      command: '/runbook',
      text: 'health vcci',
      user_id: 'U0ALICE',
      channel_id: 'C0OPS',
    });
    const headers = signSlackRequest('shh', body, 1_700_000_000);
    const expected = `v0=${createHmac('sha256', 'shh').update(`v0:1700000000:${body}`).digest('hex')}`;
    expect(headers['x-slack-signature']).toBe(expected);
    expect(headers['x-slack-request-timestamp']).toBe('1700000000');
    expect(headers['content-type']).toBe('application/x-www-form-urlencoded');

    const now = Math.floor(Date.now() / 1000);
    const fresh = signSlackRequest('shh', body, now);
    expect(
      isValidSlackRequest({
        signingSecret: 'shh',
        body,
        headers: { 'x-slack-signature': fresh['x-slack-signature'], 'x-slack-request-timestamp': now },
      }),
    ).toBe(true);
  });

  it('builds slash-command and block-action bodies in Slack form', () => {
    const body = new URLSearchParams(
      slashCommandBody({ command: '/runbook', text: 'restart api', user_id: 'U0ALICE', channel_id: 'C0OPS' }),
    );
    expect([...body.keys()]).toEqual([
      'token',
      'team_id',
      'team_domain',
      'channel_id',
      'channel_name',
      'user_id',
      'user_name',
      'command',
      'text',
      'api_app_id',
      'is_enterprise_install',
      'response_url',
      'trigger_id',
    ]);
    expect(body.get('text')).toBe('restart api');

    const action = new URLSearchParams(
      blockActionBody({
        action_id: 'approve',
        value: 'run-42',
        user_id: 'U0ALICE',
        channel_id: 'C0OPS',
        message_ts: '1700000000.000100',
      }),
    );
    const payload: unknown = JSON.parse(action.get('payload') ?? '{}');
    expect(payload).toMatchObject({
      type: 'block_actions',
      user: { id: 'U0ALICE' },
      container: { type: 'message', message_ts: '1700000000.000100', channel_id: 'C0OPS', is_ephemeral: false },
      channel: { id: 'C0OPS' },
      actions: [{ action_id: 'approve', value: 'run-42', type: 'button' }],
    });
  });

  it('drives a Bolt app end to end: signed slash command in, response_url and chat.postMessage out', async () => {
    const slack = await startFakeSlack();
    const app = new App({
      signingSecret: 'shh',
      token: 'xoxb-test',
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: slack.url },
    });
    app.command('/runbook', async ({ ack, respond, client, command }) => {
      await ack();
      await respond({ text: `accepted: ${command.text}` });
      await client.chat.postMessage({ channel: command.channel_id, text: 'running' });
    });
    app.action('approve', async ({ ack, respond, body }) => {
      await ack();
      const value = body.type === 'block_actions' ? body.actions[0] : undefined;
      await respond({
        text: `approved ${value?.type === 'button' ? (value.value ?? '') : ''}`,
        replace_original: true,
      });
    });
    const server = await app.start({ port: 0, host: '127.0.0.1' });
    try {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      const body = slashCommandBody({
        command: '/runbook',
        text: 'health',
        user_id: 'U0ALICE',
        channel_id: 'C0OPS',
        response_url: slack.responseUrl('r1'),
      });
      const result = await postSigned(`http://127.0.0.1:${port}/slack/events`, 'shh', body);
      expect(result.status).toBe(200);
      await expect(slack.waitFor((c) => c.method === 'response_url')).resolves.toMatchObject({
        body: { text: 'accepted: health' },
      });
      await expect(slack.waitFor((c) => c.method === 'chat.postMessage')).resolves.toMatchObject({
        body: { text: 'running' },
      });

      const click = blockActionBody({
        action_id: 'approve',
        value: 'run-42',
        user_id: 'U0ALICE',
        channel_id: 'C0OPS',
        message_ts: '1700000000.000100',
        response_url: slack.responseUrl('a1'),
      });
      expect((await postSigned(`http://127.0.0.1:${port}/slack/events`, 'shh', click)).status).toBe(200);
      await expect(slack.waitFor((c) => c.responseUrlId === 'a1')).resolves.toMatchObject({
        body: { text: 'approved run-42', replace_original: true },
      });

      const forged = await postSigned(`http://127.0.0.1:${port}/slack/events`, 'wrong-secret', body);
      expect(forged.status).toBe(401);
    } finally {
      await app.stop();
      await slack.close();
    }
  });
});

describe('fake Kubernetes through @kubernetes/client-node', () => {
  let kube: FakeKube;
  let core: CoreV1Api;
  let apps: AppsV1Api;
  let custom: CustomObjectsApi;

  beforeAll(async () => {
    kube = await startFakeKube();
    const kc = kubeConfigFor(kube);
    core = kc.makeApiClient(CoreV1Api);
    apps = kc.makeApiClient(AppsV1Api);
    custom = kc.makeApiClient(CustomObjectsApi);
    kube.addDeployment('thermaliq', 'api', { replicas: 2 });
    kube.addPod(
      'thermaliq',
      podFixture({ name: 'worker-0', labels: { app: 'worker' }, restarts: 7, waitingReason: 'CrashLoopBackOff' }),
    );
    kube.addPod('thermaliq', podFixture({ name: 'migrate-1', labels: { app: 'migrate' }, phase: 'Succeeded' }));
    kube.addNode('node-1', true);
    kube.addNode('node-2', false);
  });
  afterAll(async () => {
    await kube.close();
  });

  it('lists pods with label and field selectors', async () => {
    const api = await core.listNamespacedPod({ namespace: 'thermaliq', labelSelector: 'app=api' });
    expect(api.kind).toBe('PodList');
    expect(api.metadata?.resourceVersion).toMatch(/^\d+$/);
    expect(api.items).toHaveLength(2);
    for (const pod of api.items) {
      expect(pod.status?.phase).toBe('Running');
      expect(pod.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
      expect(pod.metadata?.labels?.['pod-template-hash']).toMatch(/^[a-z0-9]{10}$/);
    }

    const notRunning = await core.listNamespacedPod({ namespace: 'thermaliq', fieldSelector: 'status.phase!=Running' });
    expect(notRunning.items.map((p) => p.metadata?.name)).toEqual(['migrate-1']);

    const [worker] = (await core.listNamespacedPod({ namespace: 'thermaliq', labelSelector: 'app=worker' })).items;
    const status = worker?.status?.containerStatuses?.[0];
    expect(status?.state?.waiting?.reason).toBe('CrashLoopBackOff');
    expect(status?.restartCount).toBe(7);
    expect(status?.lastState?.terminated?.exitCode).toBe(1);
  });

  it('reads pod logs as text, honouring tailLines and limitBytes', async () => {
    kube.setPodLogs('thermaliq', 'worker-0', 'one\ntwo\nthree\n');
    await expect(core.readNamespacedPodLog({ name: 'worker-0', namespace: 'thermaliq', tailLines: 2 })).resolves.toBe(
      'two\nthree\n',
    );
    await expect(core.readNamespacedPodLog({ name: 'worker-0', namespace: 'thermaliq', limitBytes: 3 })).resolves.toBe(
      'one',
    );
    const request = kube.requests.at(-1);
    expect(request).toMatchObject({
      method: 'GET',
      path: '/api/v1/namespaces/thermaliq/pods/worker-0/log',
      query: { limitBytes: '3' },
    });
  });

  it('returns NotFound Status objects', async () => {
    const error = await core.readNamespacedPod({ name: 'ghost', namespace: 'thermaliq' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiException);
    if (!(error instanceof ApiException)) return;
    expect(error.code).toBe(404);
    const body: unknown = typeof error.body === 'string' ? JSON.parse(error.body) : error.body;
    expect(body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'pods "ghost" not found',
      reason: 'NotFound',
      details: { name: 'ghost', kind: 'pods' },
      code: 404,
    });
  });

  it('scales a deployment with a merge patch and rolls pods asynchronously', async () => {
    kube.rolloutDelayMs = 5;
    const scale = await apps.patchNamespacedDeploymentScale(
      { name: 'api', namespace: 'thermaliq', body: { spec: { replicas: 0 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(scale.kind).toBe('Scale');
    expect(scale.spec?.replicas ?? 0).toBe(0);
    expect(kube.requests.at(-1)?.contentType).toBe('application/merge-patch+json');

    await waitUntil(
      async () =>
        (await core.listNamespacedPod({ namespace: 'thermaliq', labelSelector: 'app=api' })).items.length === 0,
      {
        description: 'api pods gone',
      },
    );
    const drained = await apps.readNamespacedDeployment({ name: 'api', namespace: 'thermaliq' });
    expect(drained.status?.readyReplicas).toBeUndefined();
    expect(drained.status?.observedGeneration).toBe(drained.metadata?.generation);

    await apps.replaceNamespacedDeploymentScale({
      name: 'api',
      namespace: 'thermaliq',
      body: {
        apiVersion: 'autoscaling/v1',
        kind: 'Scale',
        metadata: { name: 'api', namespace: 'thermaliq' },
        spec: { replicas: 3 },
      },
    });
    const ready = await waitUntil(
      async () => {
        const d = await apps.readNamespacedDeployment({ name: 'api', namespace: 'thermaliq' });
        return d.status?.readyReplicas === 3 ? d : undefined;
      },
      { description: 'api ready' },
    );
    expect(ready.status).toMatchObject({ replicas: 3, updatedReplicas: 3, availableReplicas: 3 });
    const current = await apps.readNamespacedDeploymentScale({ name: 'api', namespace: 'thermaliq' });
    expect(current.status).toMatchObject({ replicas: 3, selector: 'app=api' });
  });

  it('replaces pods on a rollout restart and after a pod delete', async () => {
    kube.rolloutDelayMs = 1;
    kube.addDeployment('restart', 'web', { replicas: 2 });
    const names = async (): Promise<string[]> =>
      (await core.listNamespacedPod({ namespace: 'restart' })).items.map((p) => p.metadata?.name ?? '');
    const before = await names();
    await apps.patchNamespacedDeployment(
      {
        name: 'web',
        namespace: 'restart',
        body: {
          spec: {
            template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': new Date().toISOString() } } },
          },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    const restarted = await waitUntil(
      async () => {
        const d = await apps.readNamespacedDeployment({ name: 'web', namespace: 'restart' });
        const now = await names();
        const done = d.status?.readyReplicas === 2 && now.length === 2 && now.every((n) => !before.includes(n));
        return done ? d : undefined;
      },
      { description: 'rollout restart complete' },
    );
    expect(restarted.metadata?.generation).toBe(2);
    expect(restarted.status?.observedGeneration).toBe(2);
    expect(restarted.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('2');

    const [victim] = await names();
    const deleted = await core.deleteNamespacedPod({ name: victim ?? '', namespace: 'restart' });
    expect(deleted.metadata?.deletionTimestamp).toBeInstanceOf(Date);
    await waitUntil(
      async () => {
        const pods = (await core.listNamespacedPod({ namespace: 'restart' })).items;
        return pods.length === 2 && pods.every((p) => p.metadata?.name !== victim && p.status?.phase === 'Running');
      },
      { description: 'deleted pod replaced' },
    );
  });

  it('rejects a JSON Patch content type with an object body, like the real server', async () => {
    const error = await apps
      .patchNamespacedDeployment({ name: 'api', namespace: 'thermaliq', body: { spec: { replicas: 1 } } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiException);
    if (error instanceof ApiException) expect(error.code).toBe(400);
  });

  it('injects 500 faults and hangs', async () => {
    kube.failWith(/\/pods$/, 500);
    const error = await core.listNamespacedPod({ namespace: 'thermaliq' }).catch((e: unknown) => e);
    kube.clearFaults();
    expect(error).toBeInstanceOf(ApiException);
    if (error instanceof ApiException) {
      expect(error.code).toBe(500);
      const body: unknown = typeof error.body === 'string' ? JSON.parse(error.body) : error.body;
      expect(body).toMatchObject({ kind: 'Status', reason: 'InternalError', code: 500 });
    }

    kube.hang(/\/nodes$/);
    await expect(fetch(`${kube.url}/api/v1/nodes`, { signal: AbortSignal.timeout(150) })).rejects.toThrow();
    kube.clearFaults();
    const nodes = await core.listNode();
    expect(nodes.items.map((n) => n.status?.conditions?.find((c) => c.type === 'Ready')?.status)).toEqual([
      'True',
      'False',
    ]);
  });

  it('serves cert-manager certificates, events, metrics and ingresses', async () => {
    const notAfter = new Date(Date.now() + 5 * 86_400_000);
    kube.addCertificate('thermaliq', 'api-tls', { notAfter, ready: true, dnsNames: ['api.example.invalid'] });
    const certs = await custom.listNamespacedCustomObject({
      group: 'cert-manager.io',
      version: 'v1',
      namespace: 'thermaliq',
      plural: 'certificates',
    });
    expect(isRecord(certs) && Array.isArray(certs.items) ? certs.items : []).toHaveLength(1);
    expect(certs).toMatchObject({
      kind: 'CertificateList',
      items: [{ kind: 'Certificate', status: { notAfter: notAfter.toISOString().replace(/\.\d{3}Z$/, 'Z') } }],
    });

    kube.addEvent('thermaliq', {
      type: 'Warning',
      reason: 'BackOff',
      message: 'Back-off restarting failed container',
      involvedObject: { kind: 'Pod', name: 'worker-0' },
    });
    kube.addEvent('thermaliq', {
      reason: 'Pulled',
      message: 'Pulled image',
      involvedObject: { kind: 'Pod', name: 'worker-0' },
    });
    const warnings = await core.listNamespacedEvent({ namespace: 'thermaliq', fieldSelector: 'type=Warning' });
    expect(warnings.items.map((e) => e.reason)).toEqual(['BackOff']);

    kube.setPodMetrics('thermaliq', 'worker-0', { cpu: '250m', memory: '512Mi' });
    const metrics = await new Metrics(kubeConfigFor(kube)).getPodMetrics('thermaliq');
    expect(metrics.items[0]?.containers[0]?.usage).toEqual({ cpu: '250000000n', memory: '524288Ki' });
    kube.metricsAvailable = false;
    await expect(new Metrics(kubeConfigFor(kube)).getPodMetrics('thermaliq')).rejects.toThrow();
    kube.metricsAvailable = true;

    kube.addIngress('thermaliq', 'api', { host: 'api.example.invalid' });
    const networking = await fetch(`${kube.url}/apis/networking.k8s.io/v1/namespaces/thermaliq/ingresses/api`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ metadata: { annotations: { 'nginx.ingress.kubernetes.io/maintenance': 'true' } } }),
    });
    expect(networking.status).toBe(200);
    expect(kube.ingress('thermaliq', 'api')).toMatchObject({
      metadata: { annotations: { 'nginx.ingress.kubernetes.io/maintenance': 'true' } },
    });
  });
});

describe('s3rver', () => {
  let s3: TestS3;

  beforeAll(async () => {
    s3 = await startS3({ buckets: ['backups'] });
  });
  afterAll(async () => {
    await s3.close();
  });

  it('puts, lists (truncated) and back-dates objects', async () => {
    await s3.putObject('backups', 'db/2024-01-01.sql.gz', 'old');
    await s3.putObject('backups', 'db/2024-01-02.sql.gz', 'new');
    const page = await s3.client.send(new ListObjectsV2Command({ Bucket: 'backups', Prefix: 'db/', MaxKeys: 1 }));
    expect(page.IsTruncated).toBe(true);
    const rest = await s3.client.send(
      new ListObjectsV2Command({ Bucket: 'backups', Prefix: 'db/', ContinuationToken: page.NextContinuationToken }),
    );
    expect([...(page.Contents ?? []), ...(rest.Contents ?? [])].map((o) => o.Key)).toEqual([
      'db/2024-01-01.sql.gz',
      'db/2024-01-02.sql.gz',
    ]);

    const when = new Date('2024-01-01T03:04:05.678Z');
    await s3.setLastModified('backups', 'db/2024-01-01.sql.gz', when);
    const head = await s3.client.send(new HeadObjectCommand({ Bucket: 'backups', Key: 'db/2024-01-01.sql.gz' }));
    expect(head.LastModified?.toISOString()).toBe('2024-01-01T03:04:05.000Z');
  });
});

describe('fake Prometheus', () => {
  let prom: FakePrometheus;

  beforeAll(async () => {
    prom = await startFakePrometheus();
  });
  afterAll(async () => {
    await prom.close();
  });

  it('answers instant and range queries with the Prometheus envelope', async () => {
    prom.respond('thermaliq_queue_depth', 42);
    prom.respond(/up\{job="vcci"\}/, null);
    const instant = await fetch(
      `${prom.url}/api/v1/query?query=${encodeURIComponent('sum(thermaliq_queue_depth)')}&time=1700000000.5`,
    );
    expect(await instant.json()).toEqual({
      status: 'success',
      data: { resultType: 'vector', result: [{ metric: {}, value: [1700000000.5, '42'] }] },
    });

    const empty = await fetch(`${prom.url}/api/v1/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ query: 'up{job="vcci"}' }).toString(),
    });
    expect(await empty.json()).toEqual({ status: 'success', data: { resultType: 'vector', result: [] } });

    prom.respond('rate(errors_total', {
      series: [
        [1700000000, 0.5],
        [1700000060, 1.25],
      ],
    });
    const range = await fetch(
      `${prom.url}/api/v1/query_range?${new URLSearchParams({ query: 'rate(errors_total[5m])', start: '1700000000', end: '1700000060', step: '60' })}`,
    );
    expect(await range.json()).toEqual({
      status: 'success',
      data: {
        resultType: 'matrix',
        result: [
          {
            metric: {},
            values: [
              [1700000000, '0.5'],
              [1700000060, '1.25'],
            ],
          },
        ],
      },
    });
    expect(prom.queries).toContain('rate(errors_total[5m])');
  });

  it('fails with the error envelope and formats values like Go', async () => {
    prom.failWith('node_load1');
    const failed = await fetch(`${prom.url}/api/v1/query?query=node_load1`);
    expect(failed.status).toBe(503);
    expect(await failed.json()).toMatchObject({ status: 'error', errorType: 'unavailable' });
    expect(formatPromValue(1e21)).toBe('1000000000000000000000');
    expect(formatPromValue(1e-7)).toBe('0.0000001');
    expect(formatPromValue(Number.POSITIVE_INFINITY)).toBe('+Inf');
  });
});

describe('TLS server', () => {
  function peerCertificate(
    port: number,
    ca: string,
  ): Promise<{ cert: PeerCertificate; authorized: boolean; error: string }> {
    return new Promise((resolve, reject) => {
      const socket = tlsConnect(
        { host: '127.0.0.1', port, servername: 'localhost', ca, rejectUnauthorized: false },
        () => {
          const error = socket.authorizationError;
          resolve({
            cert: socket.getPeerCertificate(),
            authorized: socket.authorized,
            error: error instanceof Error ? error.message : String(error ?? ''),
          });
          socket.end();
        },
      );
      socket.once('error', reject);
    });
  }

  it('presents a certificate expiring daysValid from now', async () => {
    const server = await startTlsServer({ daysValid: 10 });
    try {
      const { cert, authorized } = await peerCertificate(server.port, server.certPem);
      expect(new Date(cert.valid_to).getTime()).toBe(server.notAfter.getTime());
      expect(Math.abs(server.notAfter.getTime() - Date.now() - 10 * 86_400_000)).toBeLessThan(5000);
      expect(authorized).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('can present an already expired certificate', async () => {
    const server = await startTlsServer({ daysValid: -0.5 });
    try {
      const { cert, authorized, error } = await peerCertificate(server.port, server.certPem);
      expect(new Date(cert.valid_to).getTime()).toBe(server.notAfter.getTime());
      expect(authorized).toBe(false);
      expect(error).toBe('CERT_HAS_EXPIRED');
    } finally {
      await server.close();
    }
  });
});

describe('local services', () => {
  it('creates and drops a throwaway PostgreSQL database', async () => {
    const db = await createTestDatabase('Fakes Selftest');
    expect(db.name).toMatch(/^fakes_selftest_[0-9a-f]{12}$/);
    const client = new pg.Client({ connectionString: db.url });
    // drop() uses WITH (FORCE): this still-open session is terminated and reports it as an 'error' event.
    const terminated = new Promise<Error>((resolve) => client.on('error', resolve));
    await client.connect();
    const result = await client.query<{ db: string }>('select current_database() as db');
    expect(result.rows[0]?.db).toBe(db.name);
    await db.drop();
    await expect(terminated).resolves.toMatchObject({ code: '57P01' });
    await client.end().catch(() => undefined);
    const admin = new pg.Client({ connectionString: db.url.replace(`/${db.name}`, '/postgres') });
    await admin.connect();
    const left = await admin.query('select 1 from pg_database where datname = $1', [db.name]);
    await admin.end();
    expect(left.rowCount).toBe(0);
  });

  it('reaches Redis with a unique, colon-free prefix', async () => {
    const prefix = uniquePrefix('jobs:runbook');
    expect(prefix).not.toContain(':');
    expect(uniquePrefix('jobs')).not.toBe(uniquePrefix('jobs'));
    const redis = new Redis(redisUrl(), { maxRetriesPerRequest: 1, lazyConnect: true });
    try {
      await redis.connect();
      await redis.set(`${prefix}-k`, 'v', 'EX', 10);
      expect(await redis.get(`${prefix}-k`)).toBe('v');
    } finally {
      redis.disconnect();
    }
  });

  it('finds a closed port and bounds waits', async () => {
    const port = await closedPort();
    const refused = await new Promise<string>((resolve) => {
      const socket = netConnect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve('connected');
      });
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    });
    expect(refused).toBe('ECONNREFUSED');

    await expect(waitUntil(() => false, { timeoutMs: 60, intervalMs: 10, description: 'never' })).rejects.toThrow(
      /waitUntil: never not met within 60ms/,
    );
    let n = 0;
    const countToThree = (): number | undefined => {
      n += 1;
      return n >= 3 ? n : undefined;
    };
    await expect(waitUntil(countToThree, { intervalMs: 1 })).resolves.toBe(3);
  });
});
