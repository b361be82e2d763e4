import { type Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { messageOf } from '../../../errors.js';
import { listArchive } from '../../../infra/pg-archive-list.js';
import { detectBackupFormat, peekBytes } from '../../backup-format.js';

/** What reading a whole backup showed. */
export interface IntegrityResult {
  ok: boolean;
  format?: 'plain' | 'custom';
  gzipped?: boolean;
  /** Bytes read from S3. */
  bytesRead: number;
  /** Bytes of SQL after decompression (plain dumps). */
  sqlBytes?: number;
  /** Whether a plain dump ends with pg_dump's "dump complete" trailer. */
  complete?: boolean;
  /** `pg_restore --list` entries and first lines (custom archives). */
  entries?: number;
  listing?: string[];
  problem?: string;
}

// pg_dump ends every plain dump with this comment; a dump cut short (disk full, killed) lacks it.
const trailer = 'PostgreSQL database dump complete';
/** Bytes of the dump's end kept to look for the trailer. */
const tailBytes = 256;
/** Lines of `pg_restore --list` kept for the report (the guide's `| head -20`). */
const listingLines = 20;

/** Counts the bytes that pass through. */
function byteCounter(): Transform & { bytes: () => number } {
  let bytes = 0;
  const t = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  return Object.assign(t, { bytes: () => bytes });
}

/** Reads a stream to its end, discarding it, and keeps the byte count and the last bytes. */
async function drain(stream: Readable): Promise<{ bytes: number; tail: Buffer }> {
  let bytes = 0;
  let tail = Buffer.alloc(0);
  await pipeline(
    stream,
    new Writable({
      write(chunk: Buffer, _enc, done) {
        bytes += chunk.length;
        tail = Buffer.concat([tail, chunk]);
        if (tail.length > tailBytes) tail = tail.subarray(tail.length - tailBytes);
        done();
      },
    }),
  );
  return { bytes, tail };
}

/**
 * Streams a backup once, never to disk: gzip is decompressed to the end (its CRC and length are checked by zlib, as
 * `gunzip -t` does), a plain dump must end with pg_dump's trailer, and a custom archive must list with
 * `pg_restore --list`. Problems with the backup are returned, not thrown; an abort is thrown.
 */
export async function checkIntegrity(
  source: Readable,
  opts: { key: string; signal: AbortSignal },
): Promise<IntegrityResult> {
  const counter = byteCounter();
  // pipe() does not forward errors: a broken download must fail the check, not look like a short file.
  source.once('error', (err) => counter.destroy(err));
  source.pipe(counter);
  const result: IntegrityResult = { ok: false, bytesRead: 0 };
  try {
    // Known before decompressing, so a gzip error early in the stream is still reported as one.
    const magic = await peekBytes(counter, 2);
    result.gzipped = magic[0] === 0x1f && magic[1] === 0x8b;
    const detected = await detectBackupFormat(counter);
    result.format = detected.format;
    result.gzipped = detected.gzipped;
    if (detected.format === 'custom') {
      const listed = await listArchive(detected.stream, { signal: opts.signal, headLines: listingLines });
      result.entries = listed.entries;
      result.listing = listed.head;
      result.ok = listed.entries > 0;
      if (!result.ok) result.problem = 'pg_restore --list found no entries';
    } else {
      const { bytes, tail } = await drain(detected.stream);
      result.sqlBytes = bytes;
      result.complete = tail.toString('utf8').includes(trailer);
      result.ok = result.complete;
      if (!result.complete)
        result.problem = `the SQL does not end with pg_dump's "${trailer}" trailer: it is cut short`;
    }
    if (result.ok && opts.key.endsWith('.gz') && !detected.gzipped) {
      result.ok = false;
      result.problem = `${opts.key} is named .gz but is not gzip-compressed`;
    }
  } catch (err) {
    if (opts.signal.aborted) throw opts.signal.reason;
    result.ok = false;
    const gunzipFailed = result.gzipped === true && result.format !== 'custom';
    result.problem = gunzipFailed ? `gzip does not decompress cleanly: ${messageOf(err)}` : messageOf(err);
  } finally {
    source.unpipe(counter);
    // pg_restore stops after the table of contents: release the rest of the download.
    if (!source.readableEnded) source.destroy();
    result.bytesRead = counter.bytes();
  }
  return result;
}
