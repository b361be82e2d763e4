import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Playground } from '../../src/playground/server.js';
import { startTestPlayground, users } from './fixtures.js';

/** A raw request, so the test can set Host and Origin as another web site (or a rebinding DNS name) would. */
function send(url: string, path: string, headers: Record<string, string>, body = ''): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, url), { method: body ? 'POST' : 'GET', headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once('error', reject);
    req.end(body);
  });
}

describe('the page’s own endpoints', () => {
  let playground: Playground;
  const command = JSON.stringify({ user: users.viewer.id, text: '/thermaliq health' });

  beforeAll(async () => {
    playground = await startTestPlayground();
  });
  afterAll(async () => {
    await playground?.close();
  });

  it('serves the page with a strict content security policy', async () => {
    const res = await fetch(playground.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await res.text();
    expect(html).toContain('<script type="module" src="/static/playground.js"></script>');
    expect((await fetch(new URL('/static/playground.js', playground.url))).headers.get('content-type')).toMatch(
      /javascript/,
    );
  });

  it('refuses other web sites and DNS-rebound host names', async () => {
    const json = { 'content-type': 'application/json' };
    expect(await send(playground.url, '/ui/message', { ...json, origin: 'http://evil.test' }, command)).toBe(403);
    const port = new URL(playground.url).port;
    expect(await send(playground.url, '/', { host: `evil.test:${port}` })).toBe(403);
    // A cross-site form can only send a "simple" content type; those are not accepted.
    expect(await send(playground.url, '/ui/message', { 'content-type': 'text/plain' }, command)).toBe(400);
    expect(
      await send(
        playground.url,
        '/ui/message',
        { ...json, origin: playground.url.replace(/\/$/, '') },
        JSON.stringify({ user: users.viewer.id, text: 'hi' }),
      ),
    ).toBe(200);
  });

  it('refuses users it does not know', async () => {
    expect(await send(playground.url, '/ui/events?user=UNOBODY1', {})).toBe(400);
    const stranger = JSON.stringify({ user: 'UNOBODY1', text: 'hi' });
    expect(await send(playground.url, '/ui/message', { 'content-type': 'application/json' }, stranger)).toBe(400);
  });
});
