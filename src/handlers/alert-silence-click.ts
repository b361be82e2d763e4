import { alertDepsOf } from '../alerts/alert-deps.js';
import { alertmanagerApi } from '../alerts/alertmanager-api.js';
import type { AlertDeps } from '../alerts/receive-alerts.js';
import { deliverAlertGroup } from '../alerts/receive-alerts.js';
import { silenceButtonHours } from '../bot/views/alert-message.js';
import { messageOf } from '../errors.js';
import type { Metrics } from '../metrics/metrics.js';
import type { ClickDeps, ClickInput, ClickReply } from './click-context.js';
import { channelAllowed, roleAtLeast, roleOf } from './policy.js';

/** What a silence click needs beyond any click's deps. */
export type SilenceDeps = ClickDeps & {
  outbox: AlertDeps['outbox'];
  metrics?: Pick<Metrics, 'alertSilenced' | 'alertReceived' | 'alertDiagnosed'>;
};

/**
 * Silence 1 h / 4 h / 24 h and Unsilence on an alert's message: operator or above, in an allowed channel. A silence
 * is made in Alertmanager (API v2) with the group's labels as equality matchers, recorded on the group, audited, and
 * shown on the message; Unsilence expires it.
 */
export async function alertSilenceClick(
  deps: SilenceDeps,
  input: ClickInput,
  action: { kind: 'silence'; hours: number } | { kind: 'unsilence' },
): Promise<ClickReply> {
  const [groupId = ''] = input.value.split('|');
  const group = /^ag-[0-9a-f]{16}$/.test(groupId) ? await deps.store.alertGroups.get(groupId) : undefined;
  const name = action.kind === 'silence' ? 'alert_silence' : 'alert_unsilence';
  const audit = (decision: 'allow' | 'deny', reason?: string, detail: Record<string, unknown> = {}) =>
    deps.store.audit.append({
      actor: input.userId,
      action: name,
      decision,
      reason,
      channelId: input.channelId,
      service: group?.service ?? undefined,
      environment: group?.environment ?? undefined,
      detail: { alertGroup: groupId.slice(0, 40), ...detail },
    });
  if (!group) {
    await audit('deny', 'not_found');
    return { ephemeral: 'That alert group is no longer known to the bot; nothing was silenced.' };
  }
  if (!channelAllowed(deps.config, input.channelId)) {
    await audit('deny', 'channel_not_allowed');
    return { ephemeral: 'Alerts cannot be silenced from this channel.' };
  }
  const { role } = await roleOf(deps.config, input.userId, deps.groups);
  if (!roleAtLeast(role, 'operator')) {
    await audit('deny', 'forbidden');
    return { ephemeral: `Silencing alerts needs the operator role; you have ${role ?? 'no role'}.` };
  }
  const url = deps.config.alerts?.alertmanagerUrl;
  if (!url) {
    await audit('deny', 'unavailable');
    return { ephemeral: 'The bot does not know Alertmanager: set alerts.alertmanagerUrl in the ops config.' };
  }
  const api = alertmanagerApi(url);
  let changed: typeof group | undefined;
  try {
    if (action.kind === 'silence') {
      if (!(silenceButtonHours as readonly number[]).includes(action.hours)) {
        await audit('deny', 'invalid_arguments');
        return { ephemeral: `Silences from Slack last ${silenceButtonHours.join(', ')} hours.` };
      }
      const matchers = Object.entries(group.group_labels).map(([n, value]) => ({
        name: n,
        value,
        isRegex: false as const,
        isEqual: true as const,
      }));
      if (matchers.length === 0) {
        await audit('deny', 'invalid_arguments');
        return { ephemeral: 'This group has no labels to silence it by; silence it in Alertmanager.' };
      }
      const until = new Date(Date.now() + action.hours * 3_600_000);
      const id = await api.createSilence({
        matchers,
        endsAt: until,
        createdBy: `slack:${input.userId}`,
        comment: `Silenced for ${action.hours} h from Slack by ${input.userId} (alert group ${group.id})`,
      });
      await audit('allow', undefined, { silence: id, hours: action.hours, matchers: group.group_labels });
      deps.metrics?.alertSilenced();
      changed = await deps.store.alertGroups.setSilence(group.id, { id, by: input.userId, until });
    } else {
      if (!group.silence_id) {
        await audit('deny', 'not_found');
        return { ephemeral: 'This alert group has no silence made from Slack.' };
      }
      await api.expireSilence(group.silence_id);
      await audit('allow', undefined, { silence: group.silence_id });
      changed = await deps.store.alertGroups.clearSilence(group.id, group.silence_id);
    }
  } catch (err) {
    await audit('deny', 'unavailable', { cause: messageOf(err).slice(0, 200) });
    return { ephemeral: `Alertmanager did not take it: ${messageOf(err)}. Nothing changed.` };
  }
  if (changed) {
    await deliverAlertGroup(alertDepsOf(deps), group.id).catch((err: unknown) =>
      deps.log.warn({ group: group.id, cause: messageOf(err) }, 'alert message not updated; the sweeper retries'),
    );
  }
  return {};
}
