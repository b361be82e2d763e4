import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandMissing, createKubeExec, ExecTimeout, type KubeExec } from '../../src/infra/kube-exec.js';
import { type FakeKube, startFakeKube } from '../support/fake-kube.js';
import { podFixture } from '../support/kube-fixtures.js';

/** The exec adapter against the fake API server's WebSocket exec: exit codes, bounded output, timeout and abort. */

let fake: FakeKube;
let exec: KubeExec;

beforeAll(async () => {
  fake = await startFakeKube();
  fake.addPod('ns', podFixture({ name: 'api-1', namespace: 'ns', labels: { app: 'api' }, containers: ['app'] }));
  exec = createKubeExec(
    {
      namespace: 'ns',
      deployment: 'api',
      labelSelector: 'app=api',
      certificates: [],
      logTailLines: 100,
      cluster: { server: fake.url, token: 't', skipTLSVerify: true, inCluster: false },
    },
    'test.kubernetes',
  );
});
afterAll(() => fake.close());

/** Makes the next exec hang: `started` resolves when it runs, `gone` when the client went away from it. */
function hangUntilGone(): { started: Promise<void>; gone: Promise<void> } {
  let started: () => void = () => {};
  const startedP = new Promise<void>((resolve) => {
    started = resolve;
  });
  const gone = new Promise<void>((resolve) => {
    fake.onExec((_call, io) => {
      io.signal.addEventListener('abort', () => resolve(), { once: true });
      started();
      return { hang: true };
    });
  });
  return { started: startedP, gone };
}

describe('KubeExec', () => {
  it('collects stdout and stderr and reads the exit code from the status channel', async () => {
    fake.onExec((call, io) => {
      io.stdout(`argv=${JSON.stringify(call.command)}`);
      io.stderr('warn');
      return { exitCode: call.command[1] === 'fail' ? 3 : 0 };
    });
    const ok = await exec.exec('api-1', 'app', ['tool', 'a b', '$(id)'], { timeoutMs: 5000 });
    expect(ok).toEqual({
      exitCode: 0,
      stdout: 'argv=["tool","a b","$(id)"]',
      stderr: 'warn',
      dropped: { stdout: 0, stderr: 0 },
    });
    expect((await exec.exec('api-1', 'app', ['tool', 'fail'], { timeoutMs: 5000 })).exitCode).toBe(3);
  });

  it('keeps at most maxOutputBytes per stream and counts the rest', async () => {
    fake.onExec((_call, io) => {
      io.stdout('x'.repeat(3000));
      io.stdout('y'.repeat(3000));
      return { exitCode: 0 };
    });
    const r = await exec.exec('api-1', 'app', ['big'], { timeoutMs: 5000, maxOutputBytes: 4000 });
    expect([r.stdout.length, r.dropped.stdout]).toEqual([4000, 2000]);
  });

  it('passes output on as it arrives, decoding a character split across frames', async () => {
    const e = Buffer.from('é', 'utf8');
    fake.onExec((_call, io) => {
      io.stdout(Buffer.concat([Buffer.from('caf'), e.subarray(0, 1)]));
      io.stdout(Buffer.concat([e.subarray(1), Buffer.from(' ok\n')]));
      return { exitCode: 0 };
    });
    const seen: string[] = [];
    const r = await exec.exec('api-1', 'app', ['x'], { timeoutMs: 5000, onOutput: (_s, text) => seen.push(text) });
    expect([seen.join(''), r.stdout]).toEqual(['café ok\n', 'café ok\n']);
    expect(seen.join('')).not.toContain('\uFFFD');
  });

  it('tells a missing executable (runtime not-found, or exit 127) from a failing command', async () => {
    fake.onExec(undefined);
    const missing = await exec.exec('api-1', 'app', ['pip-audit'], { timeoutMs: 5000 });
    expect(missing.exitCode).toBeUndefined();
    expect(missing.failure).toContain('executable file not found');
    expect(commandMissing(missing)).toBe(true);
    fake.onExec(() => ({ exitCode: 127 }));
    expect(commandMissing(await exec.exec('api-1', 'app', ['x'], { timeoutMs: 5000 }))).toBe(true);
    fake.onExec(() => ({ exitCode: 1 }));
    expect(commandMissing(await exec.exec('api-1', 'app', ['x'], { timeoutMs: 5000 }))).toBe(false);
  });

  it('closes the stream and rejects with ExecTimeout past the timeout', async () => {
    const { gone } = hangUntilGone();
    await expect(exec.exec('api-1', 'app', ['sleep'], { timeoutMs: 200 })).rejects.toBeInstanceOf(ExecTimeout);
    await gone;
  });

  it('closes the stream and rejects with the reason when the signal aborts', async () => {
    const { started, gone } = hangUntilGone();
    const controller = new AbortController();
    const running = exec.exec('api-1', 'app', ['sleep'], { timeoutMs: 60_000, signal: controller.signal });
    await started;
    const reason = new Error('cancelled by a person');
    controller.abort(reason);
    await expect(running).rejects.toBe(reason);
    await gone;
  });

  it('closes a stream that opens after an abort during the connect', async () => {
    const { gone } = hangUntilGone();
    const controller = new AbortController();
    const running = exec.exec('api-1', 'app', ['sleep'], { timeoutMs: 60_000, signal: controller.signal });
    // Aborted before the upgrade: the socket that still opens must be closed, which the fake sees.
    controller.abort(new Error('early'));
    await expect(running).rejects.toThrow('early');
    await gone;
  });

  it('names the HTTP status of a refused upgrade', async () => {
    await expect(exec.exec('no-such-pod', 'app', ['ls'], { timeoutMs: 5000 })).rejects.toMatchObject({
      code: 404,
      message: expect.stringContaining('Kubernetes API answered 404 to exec ls in no-such-pod/app'),
    });
  });
});
