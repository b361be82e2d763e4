import { ListObjectsV2Command, type ListObjectsV2CommandOutput, S3Client } from '@aws-sdk/client-s3';
import type { BackupsTarget } from '../config/ops-config.js';
import { messageOf } from '../errors.js';

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
  /** The most recently modified object under the prefix, or undefined when there is none. */
  newestBackup(opts?: { signal?: AbortSignal }): Promise<BackupObject | undefined>;
  /** Backups under the prefix, newest first, at most `limit`. */
  listBackups(opts?: { limit?: number; signal?: AbortSignal }): Promise<BackupObject[]>;
  close(): Promise<void>;
}

/** Connects to the configured bucket; `pageSize` is the ListObjectsV2 MaxKeys (S3's default is 1000). */
export function createBackupStore(
  target: Omit<BackupsTarget, 'retention'> & { bucket: string },
  opts: { pageSize?: number } = {},
): BackupStore {
  const client = new S3Client({
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
  });
  const { bucket, prefix } = target;
  const where = `s3://${bucket}/${prefix}`;

  /** Visits every object under the prefix, one ListObjectsV2 page at a time. */
  async function eachObject(signal: AbortSignal | undefined, visit: (o: BackupObject) => void): Promise<void> {
    let token: string | undefined;
    do {
      signal?.throwIfAborted();
      let page: ListObjectsV2CommandOutput;
      try {
        page = await client.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: prefix || undefined,
            ContinuationToken: token,
            MaxKeys: opts.pageSize,
          }),
          { abortSignal: signal },
        );
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        throw new Error(`Cannot list ${where}: ${messageOf(err)}`);
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

  return {
    bucket,
    prefix,
    async newestBackup(opts = {}) {
      let newest: BackupObject | undefined;
      await eachObject(opts.signal, (o) => {
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
    async close() {
      client.destroy();
    },
  };
}
