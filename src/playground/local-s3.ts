import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';

/**
 * s3rver runs in a child Node process started with `--openssl-legacy-provider`: its ListObjectsV2 continuation
 * tokens use DES, which Node 20's OpenSSL 3 only offers through the legacy provider, so in-process any truncated
 * listing would answer 500 ERR_OSSL_EVP_UNSUPPORTED. The child exits when its stdin closes, so it cannot outlive
 * the process that started it.
 */
const childScript = `
const [s3rverPath, directory, bucketsJson, port] = process.argv.slice(1);
const S3rver = require(s3rverPath);
const server = new S3rver({
  address: '127.0.0.1',
  port: Number(port),
  silent: true,
  directory,
  configureBuckets: JSON.parse(bucketsJson).map((name) => ({ name, configs: [] })),
});
server.run().then(
  (address) => process.stdout.write(JSON.stringify({ port: address.port }) + '\\n'),
  (error) => { process.stderr.write(String((error && error.stack) || error)); process.exit(1); },
);
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
`;

/** A running local S3 (s3rver) on 127.0.0.1. Its access key and secret are both `S3RVER`. */
export interface LocalS3 {
  endpoint: string;
  port: number;
  close(): Promise<void>;
}

function waitForPort(child: ChildProcess, timeoutMs: number): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const fail = (error: Error) =>
      finish(() => {
        child.kill();
        reject(error);
      });
    const timer = setTimeout(
      () => fail(new Error(`s3rver did not start within ${timeoutMs} ms: ${stderr}`)),
      timeoutMs,
    );
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const newline = stdout.indexOf('\n');
      if (newline < 0) return;
      const line = stdout.slice(0, newline);
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        parsed = undefined;
      }
      if (typeof parsed === 'object' && parsed !== null && 'port' in parsed && typeof parsed.port === 'number') {
        const port = parsed.port;
        finish(() => resolve(port));
      } else fail(new Error(`unexpected s3rver startup output: ${line}`));
    });
    child.once('exit', (code) =>
      fail(new Error(`s3rver exited with code ${code ?? 'null'} before listening: ${stderr}`)),
    );
    child.once('error', fail);
  });
}

/** Starts s3rver on 127.0.0.1 with its data in `directory` and the buckets created. Port 0 picks a free one. */
export async function startLocalS3(opts: { directory: string; buckets: string[]; port?: number }): Promise<LocalS3> {
  const s3rverPath = createRequire(import.meta.url).resolve('s3rver');
  const child = spawn(
    process.execPath,
    [
      '--openssl-legacy-provider',
      '-e',
      childScript,
      s3rverPath,
      opts.directory,
      JSON.stringify(opts.buckets),
      String(opts.port ?? 0),
    ],
    { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } },
  );
  const port = await waitForPort(child, 15_000);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  let closed = false;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    async close() {
      if (closed) return;
      closed = true;
      child.stdin?.end();
      child.kill();
      await exited;
    },
  };
}
