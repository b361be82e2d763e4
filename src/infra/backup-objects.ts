import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import { messageOf } from '../errors.js';
import type { BackupHead, DeleteOutcome, UploadedObject } from './backups.js';
import { loadS3StorageLib, type S3Lib } from './s3-lib.js';

/** The client and location the object operations act on. */
export interface BackupLocation {
  /** The S3 client and the SDK it came from, created on first use (the SDK loads lazily). */
  connect(): Promise<{ client: S3Client; lib: S3Lib }>;
  bucket: string;
  prefix: string;
}

/** S3's limit on keys per DeleteObjects request. */
export const deleteBatchSize = 1000;
// Multipart parts are buffered in memory: queueSize × partSize bounds what an upload holds (16 MiB).
const partSize = 8 * 1024 * 1024;
const queueSize = 2;

/** An ETag as S3 sends it ("…"), without the quotes. */
export function bareEtag(etag: string | undefined): string {
  return (etag ?? '').replace(/^W\//, '').replace(/"/g, '');
}

function statusOf(lib: S3Lib, err: unknown): number | undefined {
  return err instanceof lib.S3ServiceException ? err.$metadata.httpStatusCode : undefined;
}

/** HeadObject, with "no such key" as undefined. */
export async function headObject(
  loc: BackupLocation,
  key: string,
  signal: AbortSignal | undefined,
): Promise<BackupHead | undefined> {
  const { client, lib } = await loc.connect();
  try {
    const head = await client.send(new lib.HeadObjectCommand({ Bucket: loc.bucket, Key: key }), {
      abortSignal: signal,
    });
    return {
      key,
      size: head.ContentLength ?? 0,
      lastModified: head.LastModified ?? new Date(0),
      etag: bareEtag(head.ETag),
    };
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    if (statusOf(lib, err) === 404) return undefined;
    throw new Error(`Cannot read s3://${loc.bucket}/${key}: ${messageOf(err)}`, { cause: err });
  }
}

/** GetObject as a stream; with `ifMatch`, an object with another ETag is refused before any byte is used. */
export async function openObject(
  loc: BackupLocation,
  key: string,
  opts: { signal?: AbortSignal; ifMatch?: string },
): Promise<Readable> {
  const where = `s3://${loc.bucket}/${key}`;
  let body: unknown;
  let etag: string | undefined;
  const { client, lib } = await loc.connect();
  try {
    const got = await client.send(
      new lib.GetObjectCommand({
        Bucket: loc.bucket,
        Key: key,
        IfMatch: opts.ifMatch === undefined ? undefined : `"${opts.ifMatch}"`,
      }),
      { abortSignal: opts.signal },
    );
    body = got.Body;
    etag = bareEtag(got.ETag);
  } catch (err) {
    if (opts.signal?.aborted) throw opts.signal.reason;
    if (statusOf(lib, err) === 412) throw new Error(`${where} was replaced after the plan was made (ETag changed)`);
    if (statusOf(lib, err) === 404) throw new Error(`${where} does not exist`);
    throw new Error(`Cannot read ${where}: ${messageOf(err)}`, { cause: err });
  }
  // In Node the SDK's body is an IncomingMessage; anything else means a runtime we do not support.
  if (!isReadable(body)) throw new Error(`Reading ${where} gave no stream`);
  // Stores that ignore If-Match (s3rver, some S3-compatibles) still answer with the ETag: check it ourselves.
  if (opts.ifMatch !== undefined && etag !== opts.ifMatch) {
    body.destroy();
    throw new Error(`${where} was replaced after the plan was made (ETag ${etag}, expected ${opts.ifMatch})`);
  }
  return body;
}

function isReadable(value: unknown): value is Readable {
  return (
    typeof value === 'object' &&
    value !== null &&
    'pipe' in value &&
    typeof value.pipe === 'function' &&
    'destroy' in value &&
    typeof value.destroy === 'function'
  );
}

/** Streams a body to S3 with lib-storage (one PUT when small, multipart otherwise), counting the bytes sent. */
export async function uploadObject(
  loc: BackupLocation,
  key: string,
  body: Readable,
  opts: { signal?: AbortSignal; contentType?: string },
): Promise<UploadedObject> {
  opts.signal?.throwIfAborted();
  const [{ client }, { Upload }] = await Promise.all([loc.connect(), loadS3StorageLib()]);
  opts.signal?.throwIfAborted();
  let size = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      done(null, chunk);
    },
  });
  // pipeline destroys the counter with the body's error, so the upload fails instead of storing a truncated dump.
  const piping = pipeline(body, counter).catch((err: unknown) => err);
  const abortController = new AbortController();
  const onAbort = () => abortController.abort(opts.signal?.reason);
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const upload = new Upload({
    client,
    params: { Bucket: loc.bucket, Key: key, Body: counter, ContentType: opts.contentType },
    partSize,
    queueSize,
    leavePartsOnError: false,
    abortController,
  });
  try {
    const done = await upload.done();
    let etag = bareEtag(done.ETag);
    if (etag === '') etag = (await headObject(loc, key, opts.signal))?.etag ?? '';
    return { key, size, etag };
  } catch (err) {
    body.destroy();
    if (opts.signal?.aborted) throw opts.signal.reason;
    const cause = await piping;
    const reason = cause instanceof Error ? cause.message : messageOf(err);
    throw new Error(`Upload to s3://${loc.bucket}/${key} failed: ${reason}`, {
      cause: cause instanceof Error ? cause : err,
    });
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

/** DeleteObjects in batches; a batch that fails as a whole marks each of its keys failed, and the rest go on. */
export async function deleteObjectKeys(
  loc: BackupLocation,
  keys: readonly string[],
  signal: AbortSignal | undefined,
): Promise<DeleteOutcome> {
  const outside = keys.filter((k) => !k.startsWith(loc.prefix) || k.length === loc.prefix.length);
  if (outside.length > 0) {
    throw new Error(`Refusing to delete outside s3://${loc.bucket}/${loc.prefix}: ${outside.slice(0, 3).join(', ')}`);
  }
  const outcome: DeleteOutcome = { deleted: [], errors: [] };
  const { client, lib } = await loc.connect();
  for (let start = 0; start < keys.length; start += deleteBatchSize) {
    signal?.throwIfAborted();
    const batch = keys.slice(start, start + deleteBatchSize);
    try {
      const result = await client.send(
        new lib.DeleteObjectsCommand({
          Bucket: loc.bucket,
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: false },
        }),
        { abortSignal: signal },
      );
      for (const d of result.Deleted ?? []) if (d.Key) outcome.deleted.push(d.Key);
      for (const e of result.Errors ?? []) {
        if (e.Key) outcome.errors.push({ key: e.Key, code: e.Code ?? 'Unknown', message: e.Message ?? '' });
      }
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      const message = messageOf(err);
      for (const key of batch) outcome.errors.push({ key, code: 'RequestFailed', message });
    }
  }
  return outcome;
}
