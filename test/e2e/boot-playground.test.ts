import { spawn } from 'node:child_process';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { uniquePrefix } from '../support/services.js';

const storeUrl = 'postgres://postgres@127.0.0.1:5432/test';
const schema = uniquePrefix('boot_pg').replace(/-/g, '_');

describe('booting with no Slack setting at all', { timeout: 120_000 }, () => {
  afterAll(async () => {
    const client = new pg.Client({ connectionString: storeUrl });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.query(`DROP SCHEMA IF EXISTS ${schema}_queue CASCADE`);
    await client.end();
  });

  it('starts the playground, prints its URL and how to connect a real workspace, and serves the page', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        DATABASE_URL: storeUrl,
        STORE_SCHEMA: schema,
        PORT: '0',
        PLAYGROUND_PORT: '0',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let stdout = '';
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no playground URL printed; stdout: ${stdout}`)), 60_000);
        child.stdout.on('data', (d: Buffer) => {
          stdout += d.toString();
          const match = /http:\/\/127\.0\.0\.1:\d+\//.exec(stdout);
          if (match) {
            clearTimeout(timer);
            resolve(match[0]);
          }
        });
        child.once('exit', (code) => reject(new Error(`exited with ${code}; stdout: ${stdout}`)));
      });
      expect(stdout).toContain('SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET');
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('user-select');
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });
});
