import { type AlertmanagerApi, alertmanagerApi } from '../alerts/alertmanager-api.js';
import { messageOf } from '../errors.js';
import type { AlertListing, CommandDeps, CommandReply } from './command-types.js';

/** Groups listed at most: one message of Slack's 50 blocks, with buttons. */
const listedGroups = 12;

/**
 * `alerts`: what fires now for this service, from Alertmanager's API v2 (active, not silenced, not inhibited),
 * grouped as Alertmanager groups them, with the same buttons as the alert's own message where the bot knows it.
 */
export async function alertsCommand(
  deps: CommandDeps,
  req: { serviceKey: string; serviceName: string; args: string[]; flags: Record<string, string | true> },
  api: (url: string) => AlertmanagerApi = (url) => alertmanagerApi(url, 2500),
): Promise<CommandReply> {
  const refuse = (message: string): CommandReply => ({ kind: 'refused', code: 'invalid_arguments', message });
  if (req.args.length > 0 || Object.keys(req.flags).length > 0) {
    return refuse('alerts takes no words or flags. Example: `alerts`');
  }
  const alerts = deps.config.alerts;
  if (!alerts?.alertmanagerUrl) {
    return {
      kind: 'refused',
      code: 'unavailable',
      message: 'alerts needs Alertmanager: set alerts.alertmanagerUrl in the ops config (ALERTMANAGER_URL).',
    };
  }
  let groups: Awaited<ReturnType<AlertmanagerApi['alertGroups']>>;
  try {
    groups = await api(alerts.alertmanagerUrl).alertGroups();
  } catch (err) {
    return { kind: 'refused', code: 'unavailable', message: `${messageOf(err)}; nothing to list.` };
  }
  const ofService = (labels: Record<string, string>) => {
    const value = labels[alerts.labels.service];
    return value !== undefined && (alerts.serviceAliases[value] ?? value) === req.serviceKey;
  };
  const stored = await deps.store.alertGroups.firing(200);
  const byFingerprint = new Map(stored.flatMap((g) => g.alerts.map((a) => [a.fingerprint, g] as const)));
  const listed: AlertListing[] = [];
  for (const g of groups) {
    const mine = g.alerts.filter((a) => ofService(a.labels));
    if (mine.length === 0) continue;
    const known = mine.map((a) => byFingerprint.get(a.fingerprint)).find((k) => k !== undefined);
    listed.push({
      labels: g.labels,
      alerts: mine.map((a) => ({
        alertname: a.labels.alertname ?? 'alert',
        summary: a.annotations.summary,
        startsAt: a.startsAt,
        labels: a.labels,
      })),
      known: known && { id: known.id, suggestions: known.suggestions, silenced: known.silence_id !== null },
    });
  }
  return {
    kind: 'alerts',
    serviceName: req.serviceName,
    groups: listed.slice(0, listedGroups),
    more: Math.max(0, listed.length - listedGroups),
  };
}
