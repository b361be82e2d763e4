import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** Handles one request on a {@link LocalHttpServer}; thrown errors become a plain 500. */
export type LocalRequestHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** An HTTP server bound to 127.0.0.1 on an ephemeral port. */
export interface LocalHttpServer {
  /** The bound port. */
  readonly port: number;
  /** `http://127.0.0.1:PORT` with no trailing slash. */
  readonly origin: string;
  /** Stops listening and destroys every open socket, including requests left hanging on purpose. */
  close(): Promise<void>;
}

/** Handles an HTTP `Upgrade` request (WebSocket) on a {@link LocalHttpServer}; it owns the socket from then on. */
export type LocalUpgradeHandler = (req: IncomingMessage, socket: Socket, head: Buffer) => void;

/** Starts an HTTP server on 127.0.0.1 with `listen(0)` and returns once it is listening. */
export async function startLocalHttpServer(
  handler: LocalRequestHandler,
  upgrade?: LocalUpgradeHandler,
): Promise<LocalHttpServer> {
  const server = createServer((req, res) => {
    Promise.resolve()
      .then(() => handler(req, res))
      .catch((error: unknown) => {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(`fake server error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      });
  });
  // Without a listener Node closes upgrade requests; with one, the handler owns (and must close) the socket.
  if (upgrade) server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => upgrade(req, socket, head));
  // Keep-alive sockets would otherwise delay close() until clients time out.
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('fake server did not bind a TCP port');
  const { port } = address satisfies AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/** Reads a request body fully into a Buffer. */
export async function readRequestBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

/** Writes a JSON response with an exact content-length. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const payload = Buffer.from(JSON.stringify(body));
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(payload.length),
    ...headers,
  });
  res.end(payload);
}

/** Writes a plain-text response with an exact content-length. */
export function sendText(res: ServerResponse, status: number, text: string, contentType = 'text/plain'): void {
  const payload = Buffer.from(text);
  res.writeHead(status, { 'content-type': contentType, 'content-length': String(payload.length) });
  res.end(payload);
}

/** Resolves after `ms` milliseconds; used only by fakes to inject response latency, never by tests to wait. */
export function delay(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
