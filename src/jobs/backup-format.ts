import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/** What a backup turned out to be, read from its first bytes rather than trusted from its name. */
export interface DetectedBackup {
  format: 'plain' | 'custom';
  gzipped: boolean;
  /** The dump itself (decompressed when it was gzipped), from its first byte. */
  stream: Readable;
}

const gzipMagic = Buffer.from([0x1f, 0x8b]);
// pg_dump's custom archives start with these five bytes.
const customMagic = Buffer.from('PGDMP', 'latin1');

/**
 * Reads up to `n` bytes from the start of a stream and puts them back, so the stream still starts at its first
 * byte. Only what arrived to cover `n` is held; the rest stays in the stream, unread.
 */
export function peekBytes(stream: Readable, n: number): Promise<Buffer> {
  // 'end' and 'error' fire once; a second peek at a finished stream must not wait for them.
  if (stream.errored) return Promise.reject(stream.errored);
  if (stream.readableEnded) return Promise.resolve(Buffer.alloc(0));
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const finish = (err?: Error) => {
      stream.off('readable', onReadable);
      stream.off('end', onEnd);
      stream.off('error', onError);
      if (err) return reject(err);
      const head = Buffer.concat(chunks);
      if (head.length > 0) stream.unshift(head);
      resolve(head.subarray(0, n));
    };
    const onReadable = () => {
      while (length < n) {
        const chunk: Buffer | null = stream.read();
        if (chunk === null) break;
        chunks.push(chunk);
        length += chunk.length;
      }
      if (length >= n) finish();
    };
    const onEnd = () => finish();
    const onError = (err: Error) => finish(err);
    stream.on('readable', onReadable);
    stream.once('end', onEnd);
    stream.once('error', onError);
  });
}

/** Detects gzip (1f 8b) and then pg_dump's custom format (PGDMP); anything else is taken as plain SQL. */
export async function detectBackupFormat(source: Readable): Promise<DetectedBackup> {
  const head = await peekBytes(source, gzipMagic.length);
  const gzipped = head.equals(gzipMagic);
  let stream = source;
  if (gzipped) {
    const gunzip = createGunzip();
    // pipe() does not forward errors: a broken download must fail the reader, not look like a short dump.
    source.once('error', (err) => gunzip.destroy(err));
    stream = source.pipe(gunzip);
  }
  const magic = await peekBytes(stream, customMagic.length);
  if (magic.length === 0) throw new Error('the backup is empty');
  return { format: magic.equals(customMagic) ? 'custom' : 'plain', gzipped, stream };
}
