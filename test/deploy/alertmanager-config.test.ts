import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { deployDir } from './manifests.js';

const configFile = join(deployDir, 'alertmanager', 'alertmanager.yml');

const webhook = z.object({
  url: z.string(),
  send_resolved: z.boolean(),
  http_config: z.object({
    authorization: z.object({ type: z.literal('Bearer'), credentials_file: z.string().startsWith('/') }).strict(),
  }),
});
const configSchema = z.object({
  route: z.object({ group_by: z.array(z.string()), receiver: z.string() }),
  receivers: z.array(z.object({ name: z.string(), webhook_configs: z.array(webhook).optional() })),
});

function amtool(...args: string[]) {
  return spawnSync('amtool', args, { encoding: 'utf8' });
}

/** The receivers amtool's routing tree sends an alert with these labels to. */
function receiversFor(labels: Record<string, string>): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
  const out = amtool('config', 'routes', 'test', `--config.file=${configFile}`, ...pairs);
  expect(out.status, out.stdout + out.stderr).toBe(0);
  return out.stdout.trim();
}

describe('deploy/alertmanager/alertmanager.yml', () => {
  // amtool comes with Debian's prometheus-alertmanager package, which scripts/ensure-services.sh installs.
  it('passes amtool check-config', () => {
    const check = amtool('check-config', configFile);
    expect(check.status, check.stdout + check.stderr).toBe(0);
  });

  it("sends every alert to the bot's webhook with resolved notifications and a token from a file", () => {
    const config = configSchema.parse(parseYaml(readFileSync(configFile, 'utf8')));
    expect(config.route.group_by).toEqual(['alertname', 'service', 'environment']);
    const hooks = config.receivers.flatMap((r) => r.webhook_configs ?? []);
    expect(hooks).toHaveLength(1);
    expect(new URL(hooks[0]?.url ?? '').pathname).toBe('/alerts/alertmanager');
    expect(hooks[0]?.send_resolved).toBe(true);
    expect(receiversFor({ alertname: 'HighRedisMemory', severity: 'warning', service: 'vcci' })).toBe('chatops');
    expect(receiversFor({ alertname: 'CacheHitRateLow', severity: 'warning', service: 'thermaliq' })).toBe('chatops');
    // Critical alerts still page, as in the guide, and reach the bot too.
    expect(receiversFor({ alertname: 'BackupFailed', severity: 'critical', service: 'vcci' })).toBe(
      'pagerduty-critical,chatops',
    );
  });
});
