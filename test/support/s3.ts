import { mkdtemp, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand, PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { type LocalS3, startLocalS3 } from '../../src/playground/local-s3.js';
import { waitUntil } from './services.js';

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

/** Starts s3rver on 127.0.0.1 (ephemeral port, fresh temp directory) with the given buckets created. */
export async function startS3(options: StartS3Options = {}): Promise<TestS3> {
  const buckets = options.buckets ?? ['test-bucket'];
  const [bucket] = buckets;
  if (bucket === undefined) throw new Error('startS3 needs at least one bucket');
  const directory = await mkdtemp(join(tmpdir(), 's3rver-'));
  let server: LocalS3;
  try {
    server = await startLocalS3({ directory, buckets });
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
  const endpoint = server.endpoint;
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
      const expected = Math.floor(date.getTime() / 1000) * 1000;
      // s3rver may still be finishing the object's files after it answered the PUT (a busy CI box shows it), and
      // that write resets the mtime: set it again until HeadObject agrees.
      await waitUntil(
        async () => {
          await utimes(objectPath, date, date);
          const head = await client.send(new HeadObjectCommand({ Bucket: targetBucket, Key: key }));
          return head.LastModified?.getTime() === expected;
        },
        {
          timeoutMs: 5000,
          intervalMs: 50,
          description: `HeadObject of ${targetBucket}/${key} to report ${new Date(expected).toISOString()}`,
        },
      );
    },
    async close() {
      if (closed) return;
      closed = true;
      client.destroy();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
