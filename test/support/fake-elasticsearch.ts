import type { IncomingMessage, ServerResponse } from 'node:http';
import { startLocalHttpServer } from './local-http-server.js';

/**
 * A fake Elasticsearch that speaks the two calls `logs prune` makes as Elasticsearch 8 answers them:
 * `GET /_cat/indices[/<pattern>]?format=json[&bytes=b]` (every column a string, sizes like "1.2kb" unless
 * bytes=b) and `DELETE /<index>[,<index>…][?ignore_unavailable=true]` (`{"acknowledged":true}`, or a 404
 * `index_not_found_exception` naming the first missing index when ignore_unavailable is not set). Wildcards in a
 * DELETE are refused as a cluster with `action.destructive_requires_name: true` (the 8.x default) does.
 */
export interface FakeElasticsearch {
  readonly url: string;
  /** Adds an index with its size in bytes and document count. */
  addIndex(name: string, sizeBytes: number, docs?: number): void;
  indices(): string[];
  /** Every request: method and path with query. */
  readonly requests: { method: string; url: string }[];
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' });
  res.end(JSON.stringify(body));
}

function notFound(index: string) {
  const cause = {
    type: 'index_not_found_exception',
    reason: `no such index [${index}]`,
    'resource.type': 'index_or_alias',
    'resource.id': index,
    index,
  };
  return { error: { root_cause: [cause], ...cause }, status: 404 };
}

function humanSize(bytes: number): string {
  if (bytes < 1024) return `${bytes}b`;
  const units = ['kb', 'mb', 'gb', 'tb'];
  let v = bytes;
  let u = -1;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u += 1;
  }
  return `${Number(v.toFixed(1))}${units[u]}`;
}

const globToRegExp = (glob: string) =>
  new RegExp(
    `^${glob
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );

/** Starts the fake on 127.0.0.1. */
export async function startFakeElasticsearch(): Promise<FakeElasticsearch> {
  const store = new Map<string, { sizeBytes: number; docs: number; uuid: string }>();
  const requests: { method: string; url: string }[] = [];
  let n = 0;
  const server = await startLocalHttpServer((req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://localhost');
    requests.push({ method, url: `${url.pathname}${url.search}` });
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (method === 'GET' && parts[0] === '_cat' && parts[1] === 'indices') {
      if (url.searchParams.get('format') !== 'json') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end([...store.keys()].join('\n'));
        return;
      }
      const patterns = (parts[2] ?? '*').split(',').map(globToRegExp);
      const bytes = url.searchParams.get('bytes') === 'b';
      const rows = [...store.entries()]
        .filter(([name]) => patterns.some((p) => p.test(name)))
        .map(([index, i]) => ({
          health: 'green',
          status: 'open',
          index,
          uuid: i.uuid,
          pri: '1',
          rep: '1',
          'docs.count': String(i.docs),
          'docs.deleted': '0',
          'store.size': bytes ? String(i.sizeBytes) : humanSize(i.sizeBytes),
          'pri.store.size': bytes ? String(Math.floor(i.sizeBytes / 2)) : humanSize(Math.floor(i.sizeBytes / 2)),
        }));
      send(res, 200, rows);
      return;
    }
    if (method === 'DELETE' && parts.length === 1 && parts[0]) {
      const names = parts[0].split(',');
      if (names.some((name) => name.includes('*') || name === '_all')) {
        send(res, 400, {
          error: {
            type: 'illegal_argument_exception',
            reason: 'Wildcard expressions or all indices are not allowed',
          },
          status: 400,
        });
        return;
      }
      const ignore = url.searchParams.get('ignore_unavailable') === 'true';
      const missing = names.find((name) => !store.has(name));
      if (missing && !ignore) {
        send(res, 404, notFound(missing));
        return;
      }
      for (const name of names) store.delete(name);
      send(res, 200, { acknowledged: true });
      return;
    }
    send(res, 405, { error: { type: 'unsupported_operation', reason: `${method} ${url.pathname}` }, status: 405 });
  });
  return {
    url: server.origin,
    requests,
    addIndex(name, sizeBytes, docs = 100) {
      n += 1;
      store.set(name, { sizeBytes, docs, uuid: `uuid-${n}` });
    },
    indices: () => [...store.keys()].sort(),
    close: () => server.close(),
  };
}
