import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ExtraRoute } from './http-receiver.js';

/** A plain HTTP server for the probe and metrics routes where /slack/events is not served (Socket Mode, a worker). */
export interface RouteServer {
  /** The port it listens on (the real one when 0 was asked for). */
  port: number;
  close(): Promise<void>;
}

/** The path of a request's URL, without its query. */
export function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/** Hands a request to the route for its method and path; anything else is 404. */
export function serveRoute(routes: readonly ExtraRoute[], req: IncomingMessage, res: ServerResponse): void {
  const path = pathOf(req);
  const route = routes.find((r) => r.method === req.method && r.path === path);
  if (route) route.handler(req, res);
  else res.writeHead(404).end();
}

/**
 * Serves `routes` on `host:port` (all interfaces when no host is given, as a container needs); anything else is 404.
 * Used by a worker process and by the bot in Socket Mode, whose own Bolt server would ignore HOST and hide the port.
 */
export function serveRoutes(routes: ExtraRoute[], port: number, host: string | undefined): Promise<RouteServer> {
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    serveRoute(routes, req, res);
  });
  return new Promise((resolveServer, reject) => {
    server.once('error', reject);
    server.listen(port, host ?? '0.0.0.0', () =>
      resolveServer({
        port: (server.address() as AddressInfo).port,
        close: () => new Promise((r) => server.close(() => r())),
      }),
    );
  });
}
