import { createHash, randomBytes } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import * as s3Lib from '@aws-sdk/client-s3';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteObjectKeys, uploadObject } from '../../src/infra/backup-objects.js';
import { type BackupStore, createBackupStore } from '../../src/infra/backups.js';
import { startS3, type TestS3 } from '../support/s3.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('BackupStore objects on s3rver: head, read, multipart upload, batched delete', () => {
  let s3: TestS3;
  let store: BackupStore;
  /** A real client with a middleware that records which S3 operations it sent. */
  let client: S3Client;
  const sent: string[] = [];
  const bucket = 'thermaliq-backups';
  const located = (prefix: string) => ({ connect: async () => ({ client, lib: s3Lib }), bucket, prefix });

  beforeAll(async () => {
    s3 = await startS3({ buckets: [bucket] });
    store = createBackupStore(
      {
        bucket,
        prefix: 'production/',
        endpoint: s3.endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        accessKeyId: 'S3RVER',
        secretAccessKey: 'S3RVER',
      },
      { pageSize: 2 },
    );
    client = new S3Client(s3.clientConfig);
    client.middlewareStack.add(
      (next, context) => (args) => {
        sent.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize', name: 'recordCommands' },
    );
  });
  afterAll(async () => {
    client.destroy();
    await store.close();
    await s3.close();
  });

  async function download(key: string): Promise<Buffer> {
    const got = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return Buffer.from((await got.Body?.transformToByteArray()) ?? []);
  }

  it('head gives size, date and a bare ETag, and undefined for a missing key', async () => {
    await s3.putObject(bucket, 'production/a.sql.gz', 'hello');
    const head = await store.head('production/a.sql.gz');
    expect(head).toMatchObject({
      key: 'production/a.sql.gz',
      size: 5,
      etag: createHash('md5').update('hello').digest('hex'),
    });
    expect(head?.lastModified).toBeInstanceOf(Date);
    expect(await store.head('production/missing.sql.gz')).toBeUndefined();
  });

  it('openRead streams the object, and refuses one whose ETag is not the approved one', async () => {
    const head = await store.head('production/a.sql.gz');
    const stream = await store.openRead('production/a.sql.gz', { ifMatch: head?.etag });
    expect(Buffer.concat(await stream.toArray()).toString()).toBe('hello');
    await expect(store.openRead('production/a.sql.gz', { ifMatch: 'feedface' })).rejects.toThrow(
      /s3:\/\/thermaliq-backups\/production\/a\.sql\.gz was replaced after the plan was made/,
    );
    await expect(store.openRead('production/nope.sql.gz')).rejects.toThrow(/does not exist/);
  });

  it('uploads a large stream as a multipart upload, counting its bytes', async () => {
    const body = randomBytes(12 * 1024 * 1024);
    sent.length = 0;
    const loc = located('production/');
    // In 1 MiB chunks, as a pg_dump pipe would deliver it.
    const chunks = Array.from({ length: 12 }, (_, i) => body.subarray(i * 1024 * 1024, (i + 1) * 1024 * 1024));
    const uploaded = await uploadObject(loc, 'production/big.sql.gz', Readable.from(chunks), {});
    expect(uploaded.size).toBe(body.length);
    expect(sent).toContain('CreateMultipartUploadCommand');
    expect(sent.filter((c) => c === 'UploadPartCommand')).toHaveLength(2);
    expect(sent).toContain('CompleteMultipartUploadCommand');
    expect(sha(await download('production/big.sql.gz'))).toBe(sha(body));
    expect(uploaded.etag).toBe((await store.head('production/big.sql.gz'))?.etag);
  });

  it('a source that fails mid-upload fails the upload and leaves no object', async () => {
    sent.length = 0;
    const source = new PassThrough();
    const loc = located('production/');
    const uploading = uploadObject(loc, 'production/half.sql.gz', source, {});
    source.write(randomBytes(9 * 1024 * 1024));
    setImmediate(() => source.destroy(new Error('pg_dump exited with code 1: boom')));
    await expect(uploading).rejects.toThrow(
      /^Upload to s3:\/\/thermaliq-backups\/production\/half\.sql\.gz failed: pg_dump exited with code 1: boom$/,
    );
    expect(await store.head('production/half.sql.gz')).toBeUndefined();
  });

  it('uploads a small stream through the store and reports size and ETag', async () => {
    const uploaded = await store.upload('production/small.sql', Readable.from([Buffer.from('SELECT 1;\n')]));
    expect(uploaded).toEqual({
      key: 'production/small.sql',
      size: 10,
      etag: createHash('md5').update('SELECT 1;\n').digest('hex'),
    });
  });

  it('listAll pages through every object under the prefix, in key order', async () => {
    await s3.putObject(bucket, 'staging/other.sql.gz', 'x');
    const keys = (await store.listAll()).map((o) => o.key);
    expect(keys).toEqual(['production/a.sql.gz', 'production/big.sql.gz', 'production/small.sql']);
  });

  it('deletes in DeleteObjects batches of at most 1000 and reports each key', async () => {
    const keys = Array.from({ length: 1001 }, (_, i) => `production/bulk/${String(i).padStart(4, '0')}.sql.gz`);
    for (let i = 0; i < keys.length; i += 100) {
      await Promise.all(keys.slice(i, i + 100).map((k) => s3.putObject(bucket, k, 'b')));
    }
    sent.length = 0;
    const outcome = await deleteObjectKeys(located('production/'), keys, undefined);
    expect(sent).toEqual(['DeleteObjectsCommand', 'DeleteObjectsCommand']);
    expect(outcome.errors).toEqual([]);
    expect([...outcome.deleted].sort()).toEqual(keys);
    expect((await store.listAll()).some((o) => o.key.startsWith('production/bulk/'))).toBe(false);
  });

  it('refuses to delete anything when one key is outside the prefix', async () => {
    await expect(store.deleteKeys(['production/a.sql.gz', 'staging/other.sql.gz'])).rejects.toThrow(
      'Refusing to delete outside s3://thermaliq-backups/production/: staging/other.sql.gz',
    );
    expect(await store.head('production/a.sql.gz')).toBeDefined();
    expect(await store.head('staging/other.sql.gz')).toBeDefined();
  });
});
