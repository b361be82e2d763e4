import { PassThrough } from 'node:stream';
import { Exec, type V1Status } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type FakeKube, kubeConfigFor, startFakeKube } from '../support/fake-kube.js';
import { execNotFoundStatus } from '../support/fake-kube-exec.js';
import { podFixture } from '../support/kube-fixtures.js';

/** What a client-node Exec saw: both streams and the status channel's Status. */
async function runExec(fake: FakeKube, pod: string, container: string, command: string[]) {
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks = { out: [] as Buffer[], err: [] as Buffer[] };
  out.on('data', (d: Buffer) => chunks.out.push(d));
  err.on('data', (d: Buffer) => chunks.err.push(d));
  let gotStatus: (s: V1Status) => void = () => {};
  const status = new Promise<V1Status>((resolve) => {
    gotStatus = resolve;
  });
  const ws = await new Exec(kubeConfigFor(fake)).exec('ns', pod, container, command, out, err, null, false, (s) =>
    gotStatus(s),
  );
  const s = await status;
  return {
    protocol: ws.protocol,
    status: s,
    stdout: Buffer.concat(chunks.out).toString('utf8'),
    stderr: Buffer.concat(chunks.err).toString('utf8'),
  };
}

/** The HTTP status of a refused upgrade, and its Status body, as a plain WebSocket client sees them. */
function refusal(url: string, protocols: string[]): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols);
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => {
        body += d.toString('utf8');
      });
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
    });
    ws.on('open', () => reject(new Error('the upgrade was accepted')));
    ws.on('error', () => {});
  });
}

describe('fake Kubernetes exec over WebSocket, through client-node’s Exec', () => {
  let fake: FakeKube;
  beforeAll(async () => {
    fake = await startFakeKube();
    fake.addPod('ns', podFixture({ name: 'api-1', namespace: 'ns', labels: { app: 'api' }, containers: ['app'] }));
    fake.addPod(
      'ns',
      podFixture({ name: 'two', namespace: 'ns', labels: { app: 'api' }, containers: ['app', 'sidecar'] }),
    );
  });
  afterAll(() => fake.close());

  it('negotiates v5, runs the argv as repeated command parameters, and sends stdout, stderr and Success', async () => {
    fake.onExec((call, io) => {
      io.stdout(`ran ${call.command.join('|')} in ${call.container}\n`);
      io.stderr('a warning\n');
      return { exitCode: 0 };
    });
    const since = fake.requests.length;
    const r = await runExec(fake, 'api-1', 'app', ['pip', 'list', '--format=json']);
    expect(r).toEqual({
      protocol: 'v5.channel.k8s.io',
      status: { metadata: {}, status: 'Success' },
      stdout: 'ran pip|list|--format=json in app\n',
      stderr: 'a warning\n',
    });
    expect(fake.execs.at(-1)).toEqual({
      namespace: 'ns',
      pod: 'api-1',
      container: 'app',
      command: ['pip', 'list', '--format=json'],
      protocol: 'v5.channel.k8s.io',
    });
    expect(fake.requests.slice(since)).toEqual([
      expect.objectContaining({
        method: 'GET',
        path: '/api/v1/namespaces/ns/pods/api-1/exec',
        query: expect.objectContaining({ stdout: 'true', stderr: 'true', container: 'app' }),
      }),
    ]);
  });

  it('carries a non-zero exit code in the status channel as NonZeroExitCode with an ExitCode cause', async () => {
    fake.onExec(() => ({ exitCode: 2 }));
    const r = await runExec(fake, 'api-1', 'app', ['python', '/app/x.py']);
    expect(r.status).toMatchObject({
      status: 'Failure',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '2' }] },
    });
  });

  it('answers a missing executable as the runtime does, by default', async () => {
    fake.onExec(undefined);
    const r = await runExec(fake, 'api-1', 'app', ['pip-audit', '-f', 'json']);
    expect(r.status).toEqual(execNotFoundStatus('pip-audit'));
    expect(r.status.message).toContain('"pip-audit": executable file not found in $PATH');
  });

  it('falls back to v4 for a client that offers only v4, and refuses one that offers neither', async () => {
    fake.onExec((_call, io) => {
      io.stdout('v4 out');
      return { exitCode: 0 };
    });
    const url = `${fake.url.replace('http', 'ws')}/api/v1/namespaces/ns/pods/api-1/exec?command=true&stdout=true&container=app`;
    const frames: Buffer[] = [];
    const protocol = await new Promise<string>((resolve, reject) => {
      const ws = new WebSocket(url, ['v4.channel.k8s.io']);
      ws.on('message', (d: Buffer) => frames.push(d));
      ws.on('close', () => resolve(ws.protocol));
      ws.on('error', reject);
    });
    expect(protocol).toBe('v4.channel.k8s.io');
    expect(frames.map((f) => [f[0], f.subarray(1).toString('utf8')])).toEqual([
      [1, 'v4 out'],
      [3, JSON.stringify({ metadata: {}, status: 'Success' })],
    ]);
    const refused = await refusal(url, ['v3.channel.k8s.io']);
    expect(refused.code).toBe(400);
  });

  it('refuses before the upgrade with a Status: missing pod, bad or unnamed container, no command', async () => {
    const base = `${fake.url.replace('http', 'ws')}/api/v1/namespaces/ns/pods`;
    const protocols = ['v5.channel.k8s.io'];
    const cases = await Promise.all([
      refusal(`${base}/nope/exec?command=ls&stdout=true`, protocols),
      refusal(`${base}/api-1/exec?command=ls&stdout=true&container=db`, protocols),
      refusal(`${base}/two/exec?command=ls&stdout=true`, protocols),
      refusal(`${base}/api-1/exec?stdout=true`, protocols),
    ]);
    expect(cases.map((c) => [c.code, JSON.parse(c.body).message])).toEqual([
      [404, 'pods "nope" not found'],
      [400, 'container db is not valid for pod api-1'],
      [400, 'a container name must be specified for pod two, choose one of: [app sidecar]'],
      [400, 'you must specify at least 1 command'],
    ]);
  });

  it('answers a plain GET on exec with 400 Upgrade request required, and injected faults on the upgrade', async () => {
    const res = await fetch(`${fake.url}/api/v1/namespaces/ns/pods/api-1/exec?command=ls`);
    expect([res.status, ((await res.json()) as { message?: string }).message]).toEqual([
      400,
      'Upgrade request required',
    ]);
    fake.failWith(/\/exec$/, 403, { message: 'pods "api-1" is forbidden: cannot create resource "pods/exec"' });
    try {
      await expect(runExec(fake, 'api-1', 'app', ['ls'])).rejects.toMatchObject({
        message: expect.stringContaining('Unexpected server response: 403'),
      });
    } finally {
      fake.clearFaults();
    }
  });

  it('tells a handler when the client goes away', async () => {
    let aborted: Promise<void> = Promise.resolve();
    fake.onExec((_call, io) => {
      aborted = new Promise((resolve) => io.signal.addEventListener('abort', () => resolve(), { once: true }));
      io.stdout('started\n');
      return { hang: true };
    });
    const out = new PassThrough();
    const first = new Promise<void>((resolve) => out.once('data', () => resolve()));
    const ws = await new Exec(kubeConfigFor(fake)).exec('ns', 'api-1', 'app', ['sleep', '9'], out, null, null, false);
    await first;
    ws.close();
    await aborted;
  });
});
