import type { Readable } from 'node:stream';
import type { ListObjectsV2CommandOutput, S3Client } from '@aws-sdk/client-s3';
import type { BackupsTarget } from '../config/ops-config.js';
import { messageOf } from '../errors.js';
import { deleteObjectKeys, headObject, openObject, uploadObject } from './backup-objects.js';
import { loadS3Lib, type S3Lib } from './s3-lib.js';

/** One backup object. */
export interface BackupObject {
  key: string;
  size: number;
  lastModified: Date;
}

/** The S3 location the service's database backups are written to. */
export interface BackupStore {
  readonly bucket: string;
  readonly prefix: string;
  /** The most recently modified backup under the prefix (pre-restore safety copies excluded), or undefined. */
  newestBackup(opts?: { signal?: AbortSignal }): Promise<BackupObject | undefined>;
  /** Backups under the prefix, newest first, at most `limit`. */
  listBackups(opts?: { limit?: number; signal?: AbortSignal }): Promise<BackupObject[]>;
  /** Every object under the prefix, in key order (every ListObjectsV2 page). */
  listAll(opts?: { signal?: AbortSignal }): Promise<BackupObject[]>;
  /** The object's size, age and ETag, or undefined when there is no such key. */
  head(key: string, opts?: { signal?: AbortSignal }): Promise<BackupHead | undefined>;
  /**
   * Streams the object. With `ifMatch`, refuses (before any byte) an object whose ETag is not that one, so a
   * backup replaced after its plan was approved is never read.
   */
  openRead(key: string, opts?: { signal?: AbortSignal; ifMatch?: string }): Promise<Readable>;
  /** Streams `body` to `key` (a multipart upload when large); nothing is left behind when it fails. */
  upload(key: string, body: Readable, opts?: { signal?: AbortSignal; contentType?: string }): Promise<UploadedObject>;
  /** Deletes keys under the prefix with DeleteObjects, 1000 per request; refuses any key outside the prefix. */
  deleteKeys(keys: readonly string[], opts?: { signal?: AbortSignal }): Promise<DeleteOutcome>;
  close(): Promise<void>;
}

/** One object's metadata from HeadObject. */
export interface BackupHead {
  key: string;
  size: number;
  lastModified: Date;
  /** The ETag without quotes. */
  etag: string;
}

/** A finished upload. */
export interface UploadedObject {
  key: string;
  /** Bytes uploaded. */
  size: number;
  /** The ETag without quotes. */
  etag: string;
}

/** What DeleteObjects reported, key by key. */
export interface DeleteOutcome {
  deleted: string[];
  errors: { key: string; code: string; message: string }[];
}

/** Connects to the configured bucket; `pageSize` is the ListObjectsV2 MaxKeys (S3's default is 1000). */
export function createBackupStore(
  target: Omit<BackupsTarget, 'retention'> & { bucket: string },
  opts: { pageSize?: number } = {},
): BackupStore {
  const settings = {
    region: target.region,
    endpoint: target.endpoint,
    forcePathStyle: target.forcePathStyle,
    // Default CRC32 checksums break S3-compatible stores (s3rver, older MinIO); send them only when required.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 2,
    // Without these a store that accepts the connection and never answers holds a call without a signal forever.
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 30_000 },
    credentials:
      target.accessKeyId && target.secretAccessKey
        ? { accessKeyId: target.accessKeyId, secretAccessKey: target.secretAccessKey }
        : undefined,
  } satisfies ConstructorParameters<S3Lib['S3Client']>[0];
  let connecting: Promise<{ client: S3Client; lib: S3Lib }> | undefined;
  let created: S3Client | undefined;
  const connect = () => {
    connecting ??= loadS3Lib().then((lib) => {
      created = new lib.S3Client(settings);
      return { client: created, lib };
    });
    return connecting;
  };
  const { bucket, prefix } = target;
  const where = `s3://${bucket}/${prefix}`;

  /** Visits every object under the prefix, one ListObjectsV2 page at a time. */
  async function eachObject(signal: AbortSignal | undefined, visit: (o: BackupObject) => void): Promise<void> {
    let token: string | undefined;
    const { client, lib } = await connect();
    do {
      signal?.throwIfAborted();
      let page: ListObjectsV2CommandOutput;
      try {
        page = await client.send(
          new lib.ListObjectsV2Command({
            Bucket: bucket,
            Prefix: prefix || undefined,
            ContinuationToken: token,
            MaxKeys: opts.pageSize,
          }),
          { abortSignal: signal },
        );
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        throw new Error(`Cannot list ${where}: ${messageOf(err)}`, { cause: err });
      }
      for (const o of page.Contents ?? []) {
        // "Folder" placeholders are not backups.
        if (o.Key && o.LastModified && !o.Key.endsWith('/')) {
          visit({ key: o.Key, size: o.Size ?? 0, lastModified: o.LastModified });
        }
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  const s3 = { connect, bucket, prefix };

  return {
    bucket,
    prefix,
    async newestBackup(opts = {}) {
      let newest: BackupObject | undefined;
      const safetyCopies = `${prefix}pre-restore/`;
      await eachObject(opts.signal, (o) => {
        // A pre-restore safety copy is not the scheduled backup; counting it would hide a stale backup job.
        if (o.key.startsWith(safetyCopies)) return;
        if (!newest || o.lastModified > newest.lastModified) newest = o;
      });
      return newest;
    },
    async listBackups(opts = {}) {
      // S3 lists keys in name order, not by age, so every page is needed before sorting.
      const all: BackupObject[] = [];
      await eachObject(opts.signal, (o) => all.push(o));
      all.sort((a, b) => b.lastModified.getTime() - a.lastModified.getTime());
      return opts.limit === undefined ? all : all.slice(0, opts.limit);
    },
    async listAll(opts = {}) {
      const all: BackupObject[] = [];
      await eachObject(opts.signal, (o) => all.push(o));
      return all;
    },
    head: (key, opts = {}) => headObject(s3, key, opts.signal),
    openRead: (key, opts = {}) => openObject(s3, key, opts),
    upload: (key, body, opts = {}) => uploadObject(s3, key, body, opts),
    deleteKeys: (keys, opts = {}) => deleteObjectKeys(s3, keys, opts.signal),
    async close() {
      created?.destroy();
    },
  };
}
