import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Runs the README's run command (`npm start` → tsx src/main.ts) with the given environment; bounded. */
function boot(env: Record<string, string>): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: process.cwd(),
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`boot did not exit in time; stderr: ${stderr}`));
    }, 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, stdout });
    });
  });
}

const noStack = /\n\s+at .+:\d+:\d+/;

describe('booting with bad or missing settings', { timeout: 180_000 }, () => {
  it('says exactly which Slack credentials are missing and how to get them, without a stack trace', async () => {
    // ROLE=bot: with ROLE=all and no Slack setting at all, the playground would stand in for Slack instead.
    const { code, stderr } = await boot({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test', ROLE: 'bot' });
    expect(code).toBe(1);
    expect(stderr).toContain('SLACK_BOT_TOKEN');
    expect(stderr).toContain('SLACK_SIGNING_SECRET');
    expect(stderr).toContain('manifest.yml');
    expect(stderr).not.toMatch(noStack);
  });

  it('names the bad environment variable and what was expected', async () => {
    const { code, stderr } = await boot({ REDIS_URL: 'http://nope', WORKER_CONCURRENCY: 'many' });
    expect(code).toBe(1);
    expect(stderr).toContain('REDIS_URL="http://nope": expected redis://host:port');
    expect(stderr).toContain('WORKER_CONCURRENCY="many": expected a whole number from 1 to 256');
    expect(stderr).not.toMatch(noStack);
  });

  it('names the exact YAML path of a bad ops config value', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'opscfg-'));
    const file = join(dir, 'ops.yml');
    writeFileSync(
      file,
      [
        'services:',
        '  thermaliq:',
        '    command: thermaliq',
        '    displayName: T',
        '    environments:',
        '      production:',
        '        kubernetes: { namespace: ns, deployment: d, labelSelector: "app=x" }',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: this is the config file's own ${VAR} syntax.
        '        healthUrl: ${MISSING_HEALTH_URL}',
        'roles: { viewer: ["*"] }',
        'channels: { allowed: ["*"] }',
      ].join('\n'),
    );
    const missing = await boot({ OPS_CONFIG: file, SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(
      'services.thermaliq.environments.production.healthUrl: environment variable MISSING_HEALTH_URL is not set',
    );
    const bad = await boot({
      OPS_CONFIG: file,
      MISSING_HEALTH_URL: 'x',
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_SIGNING_SECRET: 's',
    });
    expect(bad.stderr).toContain('services.thermaliq.command: expected a slash command such as /thermaliq');
    expect(bad.stderr).toContain(
      'services.thermaliq.environments.production.healthUrl: expected a URL like https://api.example.com/health',
    );
    expect(bad.stderr).not.toMatch(noStack);
  });
});
