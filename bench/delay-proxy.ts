import { createServer, type Server, Socket } from 'node:net';

/** A TCP proxy on 127.0.0.1 that holds each new connection for `delayMs` before connecting it upstream. */
export interface DelayProxy {
  port: number;
  close(): Promise<void>;
}

/** Starts a proxy that injects `delayMs` of latency into every connection to host:port. */
export async function startDelayProxy(host: string, port: number, delayMs: number): Promise<DelayProxy> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.pause();
    const timer = setTimeout(() => {
      const upstream = new Socket();
      sockets.add(upstream);
      upstream.connect(port, host, () => {
        client.pipe(upstream).pipe(client);
        client.resume();
      });
      const end = () => {
        client.destroy();
        upstream.destroy();
      };
      upstream.on('error', end).on('close', end);
      client.on('error', end).on('close', end);
    }, delayMs);
    client.on('close', () => clearTimeout(timer));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');
  return {
    port: address.port,
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
