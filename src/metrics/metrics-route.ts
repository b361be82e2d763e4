import type { ExtraRoute } from '../bot/app.js';
import type { Metrics } from './metrics.js';

/** `GET /metrics` for Prometheus, in the shape the bot's HTTP server and the worker's probe server both serve. */
export function metricsRoute(metrics: Pick<Metrics, 'render' | 'contentType'>): ExtraRoute {
  return {
    path: '/metrics',
    method: 'GET',
    handler(_req, res) {
      metrics.render().then(
        (body) => {
          res.writeHead(200, { 'content-type': metrics.contentType });
          res.end(body);
        },
        (err: unknown) => {
          // A broken collector must not take the process down; Prometheus records the failed scrape.
          res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
          res.end(`metrics could not be collected: ${err instanceof Error ? err.message : String(err)}\n`);
        },
      );
    },
  };
}
