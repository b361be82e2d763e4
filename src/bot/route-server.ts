import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ExtraRoute } from './app.js';

/** A plain HTTP server for the probe and metrics routes, where no Bolt HTTP receiver serves them. */
export interface RouteServer {
  /** The port it listens on (the real one when 0 was asked for). */
  port: number;
  close(): Promise<void>;
}

/**
 * Serves `routes` on `host:port` (all interfaces when no host is given, as a container needs); anything else is 404.
 * Used by a worker process and by the bot in Socket Mode, whose own Bolt server would ignore HOST and hide the port.
 */
export function serveRoutes(routes: ExtraRoute[], port: number, host: string | undefined): Promise<RouteServer> {
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const route = routes.find((r) => r.method === req.method && r.path === (req.url ?? '').split('?')[0]);
    if (route) route.handler(req, res);
    else res.writeHead(404).end();
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
