import { PassThrough, Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { detectBackupFormat, peekBytes } from '../../src/jobs/backup-format.js';

/** A stream delivering `bytes` one byte per chunk, so detection must collect across chunks. */
const trickle = (bytes: Buffer) => Readable.from([...bytes].map((b) => Buffer.from([b])));

describe('detectBackupFormat', () => {
  it('plain SQL stays as it is', async () => {
    const d = await detectBackupFormat(Readable.from([Buffer.from('-- PostgreSQL dump\nSELECT 1;\n')]));
    expect(d).toMatchObject({ format: 'plain', gzipped: false });
    expect(await text(d.stream)).toBe('-- PostgreSQL dump\nSELECT 1;\n');
  });

  it('gzipped SQL is gunzipped, even when the magic arrives a byte at a time', async () => {
    const d = await detectBackupFormat(trickle(gzipSync('SELECT 42;\n')));
    expect(d).toMatchObject({ format: 'plain', gzipped: true });
    expect(await text(d.stream)).toBe('SELECT 42;\n');
  });

  it('custom archives are recognised by PGDMP, gzipped or not', async () => {
    const archive = Buffer.concat([Buffer.from('PGDMP'), Buffer.from([1, 14, 0, 4, 8])]);
    const plainArchive = await detectBackupFormat(trickle(archive));
    expect(plainArchive).toMatchObject({ format: 'custom', gzipped: false });
    expect(Buffer.concat(await plainArchive.stream.toArray())).toEqual(archive);
    const gz = await detectBackupFormat(Readable.from([gzipSync(archive)]));
    expect(gz).toMatchObject({ format: 'custom', gzipped: true });
    expect(Buffer.concat(await gz.stream.toArray())).toEqual(archive);
  });

  it('gzip magic followed by garbage is an error, not plain SQL', async () => {
    const corrupt = Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.from('garbage that is not deflate')]);
    await expect(detectBackupFormat(Readable.from([corrupt]))).rejects.toThrow();
  });

  it('an empty backup is refused', async () => {
    await expect(detectBackupFormat(Readable.from([]))).rejects.toThrow('the backup is empty');
  });

  it('a download that breaks after detection fails the decompressed stream', async () => {
    const source = new PassThrough();
    const whole = gzipSync('SELECT 1;\n'.repeat(10_000));
    source.write(whole.subarray(0, 200));
    const d = await detectBackupFormat(source);
    source.destroy(new Error('socket hang up'));
    await expect(text(d.stream)).rejects.toThrow('socket hang up');
  });

  it('peeks without consuming and holds only what it needed', async () => {
    const source = new PassThrough();
    source.write(Buffer.from('abc'));
    source.write(Buffer.from('defgh'));
    const head = await peekBytes(source, 2);
    expect(head.toString()).toBe('ab');
    source.end('ij');
    expect(await text(source)).toBe('abcdefghij');
  });
});
