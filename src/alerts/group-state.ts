import { createHash } from 'node:crypto';
import type { AlertsConfig } from '../config/alerts-config.js';
import type { OpsConfig } from '../config/ops-config.js';
import type { ReceivedAlert, WebhookPayload } from './payload.js';

/** One alert of a group as the bot keeps it. */
export interface KnownAlert {
  fingerprint: string;
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
}

/**
 * Merges a notification into what is known, alert by alert (by fingerprint), so the result does not depend on the
 * order notifications arrive in, nor on how often: a later firing (newer startsAt) replaces an older one, and for the
 * same firing "resolved" wins over "firing" (a late copy of an older notification cannot revive a resolved alert).
 */
export function mergeAlerts(known: readonly KnownAlert[], incoming: readonly ReceivedAlert[]): KnownAlert[] {
  const byFingerprint = new Map(known.map((a) => [a.fingerprint, a]));
  for (const a of incoming) {
    const next: KnownAlert = {
      fingerprint: a.fingerprint,
      status: a.status,
      labels: a.labels,
      annotations: a.annotations,
      startsAt: a.startsAt,
      endsAt: a.endsAt,
      generatorURL: a.generatorURL,
    };
    const had = byFingerprint.get(a.fingerprint);
    if (!had || newer(next, had)) byFingerprint.set(a.fingerprint, next);
  }
  return [...byFingerprint.values()].sort((x, y) => x.fingerprint.localeCompare(y.fingerprint));
}

function newer(a: KnownAlert, b: KnownAlert): boolean {
  const [sa, sb] = [Date.parse(a.startsAt), Date.parse(b.startsAt)];
  if (sa !== sb) return sa > sb;
  if (a.status !== b.status) return a.status === 'resolved';
  // Same firing, same status: a changed annotation or end time is news (e.g. a new value in the description).
  return JSON.stringify(a) !== JSON.stringify(b) && a.endsAt >= b.endsAt;
}

/** Firing while any of its alerts fires. */
export function groupStatus(alerts: readonly KnownAlert[]): 'firing' | 'resolved' {
  return alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved';
}

/** A stable id for a group key (Alertmanager's keys are long and hold label text). */
export function alertGroupId(groupKey: string): string {
  return `ag-${createHash('sha256').update(groupKey).digest('hex').slice(0, 16)}`;
}

/** Where a group's message goes and which service and environment its runbooks act on. */
export interface AlertRoute {
  channelId: string;
  service?: string;
  environment?: string;
}

/** Routes a group by its labels: the first route whose `match` holds and that has a channel. */
export function routeAlertGroup(config: OpsConfig, payload: WebhookPayload): AlertRoute | undefined {
  const alerts = config.alerts;
  if (!alerts) return undefined;
  const labels = { ...payload.commonLabels, ...payload.groupLabels };
  const route = alerts.routes.find(
    (r) => r.channel && Object.entries(r.match).every(([name, value]) => labels[name] === value),
  );
  if (!route?.channel) return undefined;
  const serviceValue = labels[alerts.labels.service];
  const service = serviceValue ? (alerts.serviceAliases[serviceValue] ?? serviceValue) : undefined;
  const known = service ? config.services[service] : undefined;
  const environmentValue = labels[alerts.labels.environment];
  const environment =
    known && environmentValue && environmentValue in known.environments ? environmentValue : known?.defaultEnvironment;
  return {
    channelId: route.channel,
    service: known ? service : undefined,
    environment: known ? environment : undefined,
  };
}

/** Fills `{label}` from the group's common labels; undefined when a label it needs is missing. */
function fill(template: string, labels: Record<string, string>): string | undefined {
  let missing = false;
  const text = template.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
    const value = labels[name];
    // Only what a command word may hold: a label must not smuggle flags or other commands in.
    if (value === undefined || !/^[A-Za-z0-9._:/=-]{1,120}$/.test(value) || value.startsWith('-')) {
      missing = true;
      return '';
    }
    return value;
  });
  return missing ? undefined : text;
}

/** The runbooks a group suggests (buttons) and runs by itself (diagnosis), from its alert names and labels. */
export function runbooksFor(
  config: AlertsConfig,
  alerts: readonly KnownAlert[],
  commonLabels: Record<string, string>,
): { suggest: string[]; diagnose: string[] } {
  const names = new Set(alerts.map((a) => a.labels.alertname).filter((n): n is string => n !== undefined));
  const suggest = new Set<string>();
  const diagnose = new Set<string>();
  for (const entry of config.runbooks) {
    if (!names.has(entry.alert)) continue;
    for (const t of entry.suggest) {
      const text = fill(t, commonLabels);
      if (text) suggest.add(text);
    }
    for (const t of entry.diagnose) {
      const text = fill(t, commonLabels);
      if (text) diagnose.add(text);
    }
  }
  return { suggest: [...suggest].slice(0, 5), diagnose: [...diagnose].slice(0, 3) };
}
