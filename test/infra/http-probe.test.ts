import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeHttp } from '../../src/infra/http-probe.js';
import { type LocalHttpServer, startLocalHttpServer } from '../support/local-http-server.js';
import { closedPort } from '../support/services.js';

describe('probeHttp', () => {
  let server: LocalHttpServer;

  beforeAll(async () => {
    server = await startLocalHttpServer((req, res) => {
      if (req.url === '/health') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: 'healthy', checks: { db: 'ok' } }));
      } else if (req.url === '/down') {
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: 'unhealthy', reason: 'database unreachable' }));
      } else if (req.url === '/big') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('x'.repeat(1_000_000));
      }
      // Any other path never answers.
    });
  });
  afterAll(() => server.close());

  it('returns the status, the time taken and the start of the body', async () => {
    const result = await probeHttp(`${server.origin}/health`);
    expect(result.status).toBe(200);
    expect(result.ms).toBeGreaterThanOrEqual(0);
    expect(result.bodySnippet).toBe('{"status":"healthy","checks":{"db":"ok"}}');
  });

  it('returns a non-2xx status as a result, not an error', async () => {
    const result = await probeHttp(`${server.origin}/down`);
    expect(result.status).toBe(503);
    expect(result.bodySnippet).toContain('database unreachable');
  });

  it('keeps only a snippet of a large body', async () => {
    const result = await probeHttp(`${server.origin}/big`);
    expect(result.bodySnippet.length).toBe(300);
  });

  it('gives up after its timeout when the server never answers', async () => {
    await expect(probeHttp(`${server.origin}/hang`, { timeoutMs: 100 })).rejects.toThrow(
      `no answer from ${server.origin}/hang within 100 ms`,
    );
  });

  it('rejects with the caller signal reason when the caller aborts', async () => {
    const signal = AbortSignal.timeout(50);
    const err = await probeHttp(`${server.origin}/hang`, { signal, timeoutMs: 10_000 }).catch((e: unknown) => e);
    expect(err).toBe(signal.reason);
  });

  it('names the network cause when nothing listens', async () => {
    const port = await closedPort();
    await expect(probeHttp(`http://127.0.0.1:${port}/health`)).rejects.toThrow(/cannot reach .*ECONNREFUSED/);
  });
});
