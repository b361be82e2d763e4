import { createHash } from 'node:crypto';

/** Alert groups in a measured round. */
export const groupCount = 100;
/** Alerts each group gathers: 100 × 10 = 1,000 alerts a round. */
export const alertsPerGroup = 10;
/** The channels the groups are routed over (group g goes to channel g mod 4). */
export const alertChannels = ['CALERTS0', 'CALERTS1', 'CALERTS2', 'CALERTS3'] as const;
/**
 * How many of its alerts each notification of a group carries. Alertmanager sends a group's whole current state
 * each time: after group_wait, then at every group_interval in which something changed.
 */
export const notifiedCounts = [1, 3, 5, 8, 10] as const;
/** The compressed group_interval between a group's notifications. */
export const groupIntervalMs = 2000;
/** The groups' first notifications are spread over this much: the last notification is sent before 10 s. */
export const firstSpreadMs = 2000;
/** The route label the bench's alerts route on. */
export const alertname = 'HighLatency';

/** One webhook notification of the schedule. */
export interface Notification {
  group: number;
  /** Its place among the group's notifications (0 first). */
  index: number;
  /** When it is sent, from the round's start. */
  atMs: number;
}

/** The tag that names a group of a round in its labels, its summary and so in its Slack message. */
export function groupTag(round: string, group: number): string {
  return `${round}-g${String(group).padStart(3, '0')}`;
}

/** The channel a group is routed to. */
export function channelOf(group: number): string {
  return alertChannels[group % alertChannels.length] ?? alertChannels[0];
}

/** The instance label of a group's alert: what tells its alerts apart in the message. */
export function instanceOf(round: string, group: number, alert: number): string {
  return `${groupTag(round, group)}-node-${alert}`;
}

/** Every notification of a round of `groups` groups, in send order. */
export function scheduleOf(groups: number): Notification[] {
  const all: Notification[] = [];
  for (let g = 0; g < groups; g++) {
    const first = Math.floor((g * firstSpreadMs) / groups);
    notifiedCounts.forEach((_, index) => {
      all.push({ group: g, index, atMs: first + index * groupIntervalMs });
    });
  }
  return all.sort((a, b) => a.atMs - b.atMs || a.group - b.group);
}

function fingerprint(round: string, group: number, alert: number): string {
  return createHash('sha256').update(`${round}/${group}/${alert}`).digest('hex').slice(0, 16);
}

/**
 * The body Alertmanager's webhook_config (payload version 4) would send for notification `n` of a round that started
 * at `originMs` (epoch ms): the group's alerts so far, each firing since just before the notification that first
 * carried it.
 */
export function payloadOf(round: string, n: Notification, originMs: number): string {
  const tag = groupTag(round, n.group);
  const shard = String(n.group % alertChannels.length);
  const groupLabels = { alertname, group: tag };
  const commonLabels = { ...groupLabels, service: 'thermaliq', environment: 'production', severity: 'warning', shard };
  const summary = `p99 latency above the SLO (bench ${tag})`;
  const count = notifiedCounts[n.index] ?? alertsPerGroup;
  const alerts = Array.from({ length: count }, (_, i) => {
    const firstCarried = notifiedCounts.findIndex((c) => c > i);
    const groupFirst = n.atMs - n.index * groupIntervalMs;
    const startsAt = new Date(originMs + groupFirst + firstCarried * groupIntervalMs - 500);
    return {
      status: 'firing',
      labels: { ...commonLabels, instance: instanceOf(round, n.group, i) },
      annotations: { summary, description: `p99 of ${instanceOf(round, n.group, i)} is 2.4 s` },
      startsAt: startsAt.toISOString(),
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus:9090/graph?g0.expr=thermaliq_p99_seconds%3E2',
      fingerprint: fingerprint(round, n.group, i),
    };
  });
  return JSON.stringify({
    version: '4',
    groupKey: `{}/{service="thermaliq"}:{alertname="${alertname}", group="${tag}"}`,
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'chatops',
    groupLabels,
    commonLabels,
    commonAnnotations: { summary },
    externalURL: 'http://alertmanager:9093',
    alerts,
  });
}
