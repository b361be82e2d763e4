import type { IncomingMessage } from 'node:http';

const loopbackNames = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Whether a bind address only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/**
 * Whether a request to the page's own endpoints comes from the page itself. Anyone who can open the page may act as
 * any playground user, so other web sites must not: a loopback server only answers loopback Host names (no DNS
 * rebinding), and a browser's Origin, when sent, must be this server.
 */
export function fromOwnPage(req: IncomingMessage, boundToLoopback: boolean): boolean {
  const host = req.headers.host;
  if (host === undefined) return false;
  const hostname = host.replace(/:\d+$/, '');
  if (boundToLoopback && !loopbackNames.has(hostname)) return false;
  const origin = req.headers.origin;
  return origin === undefined || origin === `http://${host}`;
}
