import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { classifyFailure, failureLog } from '../../src/failure-log.js';
import { createPrometheusClient } from '../../src/infra/prometheus.js';

const url = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** What a real PostgreSQL server answers to `sql`. */
async function pgAnswer(sql: string, connectionString = url): Promise<unknown> {
  const client = new pg.Client({ connectionString });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query(sql);
  } catch (err) {
    return err;
  } finally {
    await client.end().catch(() => {});
  }
  throw new Error(`${sql} did not fail`);
}

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  await new Promise((r) => server.close(r));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('whose failure it is', () => {
  it("PostgreSQL's state is its answer; a statement we got wrong is our bug", async () => {
    const missing = await pgAnswer('SELECT 1', url.replace(/\/[^/]+$/, '/no_such_database_for_classify'));
    expect(classifyFailure(missing)).toEqual({ origin: 'outside', system: 'postgresql', code: '3D000' });
    const syntax = await pgAnswer('SELEC 1');
    expect(classifyFailure(syntax)).toEqual({ origin: 'fault', system: 'postgresql', code: '42601' });
    expect(failureLog(syntax).level).toBe('error');
  });

  it('a refused connection, however wrapped, is the network’s answer', async () => {
    const port = await closedPort();
    const err = await fetch(`http://127.0.0.1:${port}/`).catch((e: unknown) => e);
    // undici's TypeError('fetch failed') is not a bug of ours: its cause is ECONNREFUSED.
    expect(err).toBeInstanceOf(TypeError);
    const wrapped = new UserError('unavailable', 'Prometheus is unreachable', {
      cause: new Error('query failed', { cause: err }),
    });
    expect(classifyFailure(wrapped)).toEqual({ origin: 'outside', system: 'network', code: 'ECONNREFUSED' });
    expect(failureLog(wrapped)).toEqual({
      level: 'warn',
      fields: { origin: 'outside', system: 'network', code: 'ECONNREFUSED', cause: 'Prometheus is unreachable' },
    });
  });

  it("Prometheus refusing a query is Prometheus's answer", async () => {
    // What Prometheus answers to a query it cannot parse: HTTP 400 with its error envelope.
    const server = createHttpServer((_req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'parse error at char 4' }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error('no port');
      const prom = createPrometheusClient(`http://127.0.0.1:${address.port}`, {
        errorRate: 'up',
        p95Latency: 'up',
        cacheHitRate: 'up',
      });
      const err = await prom.query('up{').catch((e: unknown) => e);
      expect(classifyFailure(err)).toEqual({ origin: 'outside', system: 'prometheus', code: 'bad_data' });
      expect(failureLog(err).level).toBe('warn');
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('a bug wrapped into a UserError stays a bug; a plain refusal is info with its message in one line', () => {
    const bug = new UserError('unavailable', 'Cannot read the table', { cause: new TypeError('x is undefined') });
    expect(failureLog(bug)).toEqual({ level: 'error', fields: { err: bug } });
    expect(failureLog(new UserError('invalid_arguments', 'Unknown table\n  energy_readings_2019'))).toEqual({
      level: 'info',
      fields: {
        origin: 'refusal',
        system: undefined,
        code: 'invalid_arguments',
        cause: 'Unknown table energy_readings_2019',
      },
    });
  });

  it('scrubs credentials from the one-line cause', () => {
    const logged = failureLog(
      new UserError('unavailable', 'Cannot connect to postgres://bot:hunter2@db.example:5432/prod'),
    );
    expect(JSON.stringify(logged)).not.toContain('hunter2');
  });
});
