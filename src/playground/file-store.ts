import { randomBytes } from 'node:crypto';
import { extname } from 'node:path';

/** An uploaded file. */
export interface StoredFile {
  id: string;
  name: string;
  title: string;
  mimetype: string;
  /** Slack's short type name: png, pdf, text, binary… */
  filetype: string;
  bytes: Buffer;
  altText?: string;
  created: number;
}

const typesByExtension: Readonly<Record<string, [mimetype: string, filetype: string]>> = {
  '.png': ['image/png', 'png'],
  '.jpg': ['image/jpeg', 'jpg'],
  '.jpeg': ['image/jpeg', 'jpg'],
  '.gif': ['image/gif', 'gif'],
  '.webp': ['image/webp', 'webp'],
  '.svg': ['image/svg+xml', 'svg'],
  '.pdf': ['application/pdf', 'pdf'],
  '.txt': ['text/plain', 'text'],
  '.log': ['text/plain', 'text'],
  '.csv': ['text/csv', 'csv'],
  '.json': ['application/json', 'json'],
  '.gz': ['application/gzip', 'gzip'],
  '.sql': ['text/plain', 'sql'],
};

/** Raster images the page shows inline (SVG is offered as a download: it can carry script). */
export function isInlineImage(file: StoredFile): boolean {
  return ['image/png', 'image/jpeg', 'image/gif', 'image/webp'].includes(file.mimetype);
}

interface PendingUpload {
  id: string;
  name: string;
  length: number;
  altText?: string;
  bytes?: Buffer;
}

/** Files as Slack's external upload flow creates them: reserve (getUploadURLExternal), upload bytes, complete. */
export class FileStore {
  private readonly pending = new Map<string, PendingUpload>();
  private readonly files = new Map<string, StoredFile>();

  /** Reserves a file id for an upload of `length` bytes. */
  reserve(name: string, length: number, altText?: string): string {
    const id = `F${randomBytes(5).toString('hex').toUpperCase()}`;
    this.pending.set(id, { id, name, length, altText });
    return id;
  }

  /** Stores the bytes sent to an upload URL; false when the id was never reserved. */
  receive(id: string, bytes: Buffer): boolean {
    const upload = this.pending.get(id);
    if (!upload) return false;
    upload.bytes = bytes;
    return true;
  }

  /** Finishes an upload whose bytes arrived; undefined when they didn't. */
  complete(id: string, title?: string): StoredFile | undefined {
    const upload = this.pending.get(id);
    if (!upload?.bytes) return undefined;
    this.pending.delete(id);
    const [mimetype, filetype] = typesByExtension[extname(upload.name).toLowerCase()] ?? [
      'application/octet-stream',
      'binary',
    ];
    const file: StoredFile = {
      id,
      name: upload.name,
      title: title ?? upload.name,
      mimetype,
      filetype,
      bytes: upload.bytes,
      created: Math.floor(Date.now() / 1000),
    };
    if (upload.altText !== undefined) file.altText = upload.altText;
    this.files.set(id, file);
    return file;
  }

  /** A completed file. */
  get(id: string): StoredFile | undefined {
    return this.files.get(id);
  }
}
