import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, utimes } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand, PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';

/** Options for {@link startS3}. */
export interface StartS3Options {
  /** Buckets created before the server answers; defaults to `['test-bucket']`. */
  buckets?: string[];
}

/** A running s3rver with a ready-to-use client. */
export interface TestS3 {
  /** `http://127.0.0.1:PORT`. */
  readonly endpoint: string;
  /** The first configured bucket. */
  readonly bucket: string;
  /** Every configured bucket. */
  readonly buckets: string[];
  /** The temporary directory s3rver stores objects in. */
  readonly directory: string;
  /** Config for building more clients (e.g. the code under test's own `S3Client`). */
  readonly clientConfig: S3ClientConfig;
  /** A client for this server (path-style, S3RVER credentials, checksums only when required). */
  readonly client: S3Client;
  /** Uploads an object. */
  putObject(bucket: string, key: string, body: string | Uint8Array): Promise<void>;
  /** Back-dates (or forward-dates) an object's LastModified (1 s resolution) and verifies it with HeadObject. */
  setLastModified(bucket: string, key: string, date: Date): Promise<void>;
  /** Stops the server and removes its directory. */
  close(): Promise<void>;
}

/*
 * s3rver runs in a child Node process started with `--openssl-legacy-provider`.
 * Its ListObjectsV2 continuation tokens use DES, which Node 20's OpenSSL 3 only offers through the legacy
 * provider; in-process, any truncated listing would answer 500 ERR_OSSL_EVP_UNSUPPORTED unless the test
 * runner itself ran with NODE_OPTIONS=--openssl-legacy-provider (vitest: `test.execArgv`). Running it in its
 * own process makes the vitest config irrelevant to this helper. The child exits when its stdin closes,
 * so it cannot outlive the test process.
 */
const CHILD_SCRIPT = `
const [s3rverPath, directory, bucketsJson] = process.argv.slice(1);
const S3rver = require(s3rverPath);
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
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

function waitForPort(child: ChildProcess, timeoutMs: number): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    let settled = false;
    const timer = setTimeout(() => fail(new Error(`s3rver did not start within ${timeoutMs}ms: ${stderr}`)), timeoutMs);
    function settle(): boolean {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      return true;
    }
    function fail(error: Error): void {
      if (!settle()) return;
      child.kill();
      reject(error);
    }
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const newline = stdout.indexOf('\n');
      if (newline < 0 || settled) return;
      const line = stdout.slice(0, newline);
      const parsed: unknown = JSON.parse(line);
      if (typeof parsed === 'object' && parsed !== null && 'port' in parsed && typeof parsed.port === 'number') {
        if (settle()) resolve(parsed.port);
      } else {
        fail(new Error(`unexpected s3rver startup output: ${line}`));
      }
    });
    child.once('exit', (code) =>
      fail(new Error(`s3rver exited with code ${code ?? 'null'} before listening: ${stderr}`)),
    );
    child.once('error', fail);
  });
}

/** Starts s3rver on 127.0.0.1 (ephemeral port, fresh temp directory) with the given buckets created. */
export async function startS3(options: StartS3Options = {}): Promise<TestS3> {
  const buckets = options.buckets ?? ['test-bucket'];
  const [bucket] = buckets;
  if (bucket === undefined) throw new Error('startS3 needs at least one bucket');
  const directory = await mkdtemp(join(tmpdir(), 's3rver-'));
  const s3rverPath = createRequire(import.meta.url).resolve('s3rver');
  const child = spawn(
    process.execPath,
    ['--openssl-legacy-provider', '-e', CHILD_SCRIPT, s3rverPath, directory, JSON.stringify(buckets)],
    { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } },
  );
  let port: number;
  try {
    port = await waitForPort(child, 15_000);
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null) resolve();
    else child.once('exit', () => resolve());
  });

  const endpoint = `http://127.0.0.1:${port}`;
  const clientConfig: S3ClientConfig = {
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
  const client = new S3Client(clientConfig);
  let closed = false;

  return {
    endpoint,
    bucket,
    buckets: [...buckets],
    directory,
    clientConfig,
    client,
    async putObject(targetBucket, key, body) {
      await client.send(new PutObjectCommand({ Bucket: targetBucket, Key: key, Body: body }));
    },
    async setLastModified(targetBucket, key, date) {
      // s3rver stores each object at <dir>/<bucket>/<key dirs>/<basename>._S3rver_object and reports its mtime.
      const parts = key.split('/');
      const base = parts.pop() ?? '';
      const objectPath = join(directory, targetBucket, ...parts, `${base}._S3rver_object`);
      await utimes(objectPath, date, date);
      const head = await client.send(new HeadObjectCommand({ Bucket: targetBucket, Key: key }));
      const expected = Math.floor(date.getTime() / 1000) * 1000;
      if (head.LastModified?.getTime() !== expected) {
        throw new Error(
          `setLastModified(${targetBucket}/${key}): HeadObject reports ${head.LastModified?.toISOString() ?? 'nothing'}, wanted ${new Date(expected).toISOString()}`,
        );
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      client.destroy();
      child.stdin?.end();
      child.kill();
      await exited;
      await rm(directory, { recursive: true, force: true });
    },
  };
}
