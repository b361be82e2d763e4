import { describe, expect, it } from 'vitest';
import { validateAlertRunbooks } from '../../src/alerts/alert-commands.js';
import { routeAlertGroup } from '../../src/alerts/group-state.js';
import type { WebhookPayload } from '../../src/alerts/payload.js';
import { loadOpsConfig } from '../../src/config/ops-config.js';
import { runbooks } from '../../src/jobs/registry.js';
import { readServiceRules, serviceRuleFiles } from './service-rules.js';

/** Issue 14, item 7: the shipped `alerts:` section knows every alert the shipped rules raise. */
const configFile = new URL('../../config/ops.yml', import.meta.url).pathname;
const env = {
  ALERTMANAGER_WEBHOOK_TOKEN: 'token-from-the-secret',
  ALERTMANAGER_URL: 'http://alertmanager:9093',
  ALERTS_CHANNEL: 'CALERTS01',
  ALERTS_CRITICAL_CHANNEL: 'CCRITICAL1',
};

/** A notification with these common labels, as far as routing reads one. */
function payload(labels: Record<string, string>): WebhookPayload {
  return {
    version: '4',
    groupKey: `{}:${JSON.stringify(labels)}`,
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'chatops',
    groupLabels: labels,
    commonLabels: labels,
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    alerts: [],
  };
}

describe('the shipped alerts: section of config/ops.yml', () => {
  const config = loadOpsConfig(configFile, env);
  const alerts = config.alerts;
  const rules = Object.values(serviceRuleFiles).flatMap((file) => readServiceRules(file));

  it('reads the webhook token, the Alertmanager URL and the channels from the variables', () => {
    expect(alerts?.webhook.bearerToken).toBe(env.ALERTMANAGER_WEBHOOK_TOKEN);
    expect(alerts?.alertmanagerUrl).toBe(env.ALERTMANAGER_URL);
    // Without them: no token (every notification refused) and no channel (nothing posted).
    const bare = loadOpsConfig(configFile, {}).alerts;
    expect(bare?.webhook.bearerToken).toBeUndefined();
    expect(bare?.routes.filter((r) => r.channel)).toEqual([]);
  });

  it('suggests at least one runbook for every alert of the shipped rule files, and the bot accepts them all', () => {
    expect(rules.length).toBeGreaterThanOrEqual(14);
    const unmapped = [...new Set(rules.map((r) => r.alert))].filter(
      (name) => !alerts?.runbooks.some((entry) => entry.alert === name && entry.suggest.length > 0),
    );
    expect(unmapped).toEqual([]);
    // Nor does it name alerts nobody raises.
    const stray = alerts?.runbooks.filter((entry) => !rules.some((r) => r.alert === entry.alert));
    expect(stray).toEqual([]);
    // What main() checks at start: every command is a runbook, every diagnosis read-only.
    expect(() => validateAlertRunbooks(config, runbooks)).not.toThrow();
  });

  it("routes every rule's alerts to a channel, on the service and environment its labels name", () => {
    for (const rule of rules) {
      const route = routeAlertGroup(config, payload({ alertname: rule.alert, ...rule.labels }));
      expect({ alert: rule.alert, service: rule.labels.service, route }).toEqual({
        alert: rule.alert,
        service: rule.labels.service,
        route: {
          channelId: rule.labels.severity === 'critical' ? env.ALERTS_CRITICAL_CHANNEL : env.ALERTS_CHANNEL,
          service: rule.labels.service,
          environment: 'production',
        },
      });
    }
    // Without a critical channel, critical alerts go to the alerts channel.
    const noCritical = loadOpsConfig(configFile, { ...env, ALERTS_CRITICAL_CHANNEL: '' });
    expect(
      routeAlertGroup(noCritical, payload({ alertname: 'BackupFailed', severity: 'critical', service: 'vcci' })),
    ).toEqual({ channelId: env.ALERTS_CHANNEL, service: 'vcci', environment: 'production' });
  });
});
