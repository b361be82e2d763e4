import { renderAlertGroup } from '../bot/views/alert-message.js';
import type { MessageBody } from '../bot/views/blocks.js';
import type { OpsConfig } from '../config/ops-config.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';
import type { AlertGroup, AlertGroupStore } from './alert-group-store.js';
import { routeAlertGroup, runbooksFor } from './group-state.js';
import type { WebhookPayload } from './payload.js';

/** What receiving alerts needs. */
export interface AlertDeps {
  config: OpsConfig;
  groups: AlertGroupStore;
  outbox: {
    postMessage(channel: string, body: MessageBody): Promise<string>;
    /** A coalesced update that resolves once this state (or a newer one) was sent. */
    update(channel: string, ts: string, body: MessageBody): Promise<void>;
  };
  log: Logger;
  /** Starts the group's diagnosis runs (read-only runbooks, reporting in the message's thread). */
  diagnose(group: AlertGroup, texts: string[]): Promise<void>;
  metrics?: Pick<Metrics, 'alertReceived'>;
}

function alertnameOf(payload: WebhookPayload): string {
  return payload.groupLabels.alertname ?? payload.commonLabels.alertname ?? 'mixed';
}

/** How many times one delivery re-reads and re-sends when another instance changed the group meanwhile. */
const convergeRounds = 5;

/** What became of a notification. */
export type ReceiveOutcome = { kind: 'unrouted' } | { kind: 'stored'; groupId: string; changed: boolean };

/**
 * Stores a notification in its group (merged, so repeats and an HA pair's copies change nothing). The caller answers
 * Alertmanager once this resolves; {@link deliverAlertGroup} then brings Slack up to date.
 */
export async function storeAlertGroup(deps: AlertDeps, payload: WebhookPayload): Promise<ReceiveOutcome> {
  const route = routeAlertGroup(deps.config, payload);
  const alerts = deps.config.alerts;
  if (!route || !alerts) {
    deps.metrics?.alertReceived(payload.status, 'unrouted', alertnameOf(payload));
    deps.log.warn(
      { groupKey: payload.groupKey, labels: payload.commonLabels },
      'alert group matches no alerts route with a channel; not posted',
    );
    return { kind: 'unrouted' };
  }
  const outcome = await deps.groups.merge(payload, {
    ...route,
    suggestions: (known) => runbooksFor(alerts, known, payload.commonLabels).suggest,
  });
  deps.metrics?.alertReceived(
    payload.status,
    outcome.group.version === 1 && outcome.changed ? 'new' : outcome.changed ? 'changed' : 'repeat',
    alertnameOf(payload),
  );
  return { kind: 'stored', groupId: outcome.group.id, changed: outcome.changed };
}

/**
 * Brings a group's Slack message up to date: posts it once (claimed, so one instance posts), or updates it in place
 * until it shows the newest stored state; then starts the diagnosis of a new firing, once across instances.
 */
export async function deliverAlertGroup(deps: AlertDeps, groupId: string): Promise<void> {
  let g = await deps.groups.get(groupId);
  if (!g) return;
  const serviceName = (s: AlertGroup) => (s.service ? deps.config.services[s.service]?.displayName : undefined);
  if (!g.message_ts) {
    const claimed = await deps.groups.claimPost(groupId);
    // Another instance is posting it; it renders the newest state once it has the message.
    if (!claimed) return;
    let ts: string;
    try {
      ts = await deps.outbox.postMessage(
        claimed.channel_id,
        renderAlertGroup(claimed, serviceName(claimed), { silenceable: Boolean(deps.config.alerts?.alertmanagerUrl) }),
      );
    } catch (err) {
      await deps.groups.releasePost(groupId);
      throw err;
    }
    await deps.groups.markShown(groupId, claimed.version);
    g = await deps.groups.setMessage(groupId, ts);
    if (g.version !== claimed.version) g = await updateUntilCurrent(deps, g, serviceName);
  } else if (g.shown_version < g.version) {
    g = await updateUntilCurrent(deps, g, serviceName);
  }
  const claimed = await deps.groups.claimDiagnosis(groupId);
  if (claimed && deps.config.alerts) {
    const { diagnose } = runbooksFor(deps.config.alerts, claimed.alerts, claimed.common_labels);
    if (diagnose.length > 0) await deps.diagnose(claimed, diagnose);
  }
}

async function updateUntilCurrent(
  deps: AlertDeps,
  start: AlertGroup,
  serviceName: (g: AlertGroup) => string | undefined,
): Promise<AlertGroup> {
  let g = start;
  for (let round = 0; round < convergeRounds && g.message_ts; round++) {
    await deps.outbox.update(
      g.channel_id,
      g.message_ts,
      renderAlertGroup(g, serviceName(g), { silenceable: Boolean(deps.config.alerts?.alertmanagerUrl) }),
    );
    await deps.groups.markShown(g.id, g.version);
    const now = await deps.groups.get(g.id);
    if (!now || now.version === g.version) return now ?? g;
    g = now;
  }
  return g;
}
