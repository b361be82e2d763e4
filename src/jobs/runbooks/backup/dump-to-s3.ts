import { createGzip } from 'node:zlib';
import type { BackupStore, UploadedObject } from '../../../infra/backups.js';
import { type DumpFormat, dumpDatabase } from '../../../infra/pg-tools.js';

/** A finished backup upload and how long it took. */
export interface DumpedBackup extends UploadedObject {
  format: DumpFormat;
  gzipped: boolean;
  durationMs: number;
}

/**
 * pg_dump → (gzip for plain SQL) → S3, streamed end to end: memory holds at most the upload's parts, never the
 * dump. Custom archives are compressed by pg_dump itself, so they are not gzipped again.
 */
export async function dumpToS3(
  backups: BackupStore,
  opts: { databaseUrl: string; key: string; format: DumpFormat; signal: AbortSignal },
): Promise<DumpedBackup> {
  const started = performance.now();
  const dump = dumpDatabase(opts.databaseUrl, { format: opts.format, signal: opts.signal });
  const gzipped = opts.format === 'plain';
  let body = dump;
  if (gzipped) {
    const gzip = createGzip();
    // pipe() does not forward errors; a failed pg_dump must fail the upload, not store a short file.
    dump.once('error', (err) => gzip.destroy(err));
    // And a failed upload (which destroys the gzip) must stop pg_dump instead of leaving it blocked on a full pipe.
    gzip.once('close', () => dump.destroy());
    body = dump.pipe(gzip);
  }
  const uploaded = await backups.upload(opts.key, body, {
    signal: opts.signal,
    contentType: gzipped ? 'application/gzip' : 'application/octet-stream',
  });
  return { ...uploaded, format: opts.format, gzipped, durationMs: Math.round(performance.now() - started) };
}
