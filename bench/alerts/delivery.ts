import type { FakeSlack, SlackCall } from '../../test/support/fake-slack.js';
import { alertsPerGroup, channelOf, instanceOf } from './schedule.js';

/** What reached the Slack stand-in for a round's groups. */
export interface RoundDelivery {
  /** Top-level messages Slack took, per group tag. */
  posts: Map<string, number>;
  /** When each group's message first showed all its alerts (epoch ms, as the stand-in stamped the call). */
  finalAt: Map<string, number>;
  /** chat.update calls Slack took for the round's groups. */
  updates: number;
  /** Calls for the round's groups that Slack refused (429 and the like). */
  refused: number;
}

/** Whether a message body lists every alert of the group. */
function showsAll(blocks: unknown, round: string, group: number): boolean {
  const json = JSON.stringify(blocks ?? '');
  for (let i = 0; i < alertsPerGroup; i++) if (!json.includes(`instance=${instanceOf(round, group, i)}`)) return false;
  return true;
}

/**
 * Follows the round's posts, updates and final states among the stand-in's calls from index `from` on. Each poll
 * reads only the calls that arrived since the last, so polling costs the stand-in's process (whose event loop stamps
 * the calls' arrival) next to nothing.
 */
export function trackDelivery(calls: readonly SlackCall[], from: number, round: string): { poll(): RoundDelivery } {
  const delivery: RoundDelivery = { posts: new Map(), finalAt: new Map(), updates: 0, refused: 0 };
  const tagPattern = new RegExp(`\\(bench (${round}-g(\\d{3}))\\)`);
  let next = from;
  return {
    poll() {
      for (; next < calls.length; next++) {
        const call = calls[next];
        if (!call || (call.method !== 'chat.postMessage' && call.method !== 'chat.update') || call.body.thread_ts) {
          continue;
        }
        const match = tagPattern.exec(String(call.body.text ?? ''));
        const tag = match?.[1];
        if (!tag) continue;
        if (!call.ok) {
          delivery.refused += 1;
          continue;
        }
        if (call.method === 'chat.postMessage') delivery.posts.set(tag, (delivery.posts.get(tag) ?? 0) + 1);
        else delivery.updates += 1;
        if (!delivery.finalAt.has(tag) && showsAll(call.body.blocks, round, Number(match[2]))) {
          delivery.finalAt.set(tag, call.at);
        }
      }
      return delivery;
    },
  };
}

/** Groups of the round whose message in the stand-in shows every alert now, in the channel it was routed to. */
export function groupsShownInFull(slack: FakeSlack, round: string, groups: number): number {
  let shown = 0;
  const messages = [...slack.messages().values()];
  for (let g = 0; g < groups; g++) {
    const tag = `(bench ${round}-g${String(g).padStart(3, '0')})`;
    const m = messages.find((x) => !x.thread_ts && x.channel === channelOf(g) && String(x.text).includes(tag));
    if (m && showsAll(m.blocks, round, g)) shown += 1;
  }
  return shown;
}

/**
 * Polls the stand-in until every group of the round shows all its alerts or `deadline` (epoch ms) passes; then
 * waits `settleMs` more, so a late duplicate post or update is counted too.
 */
export async function awaitDelivery(
  slack: FakeSlack,
  from: number,
  round: string,
  groups: number,
  deadline: number,
  settleMs = 2000,
): Promise<RoundDelivery> {
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const tracker = trackDelivery(slack.calls, from, round);
  while (tracker.poll().finalAt.size < groups && Date.now() < deadline) await pause(100);
  await pause(settleMs);
  return tracker.poll();
}

/** When a notification was sent (ms from the round's start), for the minimum below. */
export interface SentNotification {
  group: number;
  sentMs: number;
}

/**
 * The earliest time (ms from the round's start) at which every group's message could show its last notification
 * within Slack's limits, a post a second per channel and an update a second per message: each channel posts its
 * groups at once in order of first notification, a second apart; a group whose last notification came after its
 * post gets one update, at that notification or a second after the post, whichever is later.
 */
export function slackMinimumMs(sent: readonly SentNotification[]): number {
  const span = new Map<number, { first: number; last: number }>();
  for (const n of sent) {
    const s = span.get(n.group) ?? { first: n.sentMs, last: n.sentMs };
    span.set(n.group, { first: Math.min(s.first, n.sentMs), last: Math.max(s.last, n.sentMs) });
  }
  const byChannel = new Map<string, { first: number; last: number }[]>();
  for (const [group, s] of span) byChannel.set(channelOf(group), [...(byChannel.get(channelOf(group)) ?? []), s]);
  let done = 0;
  for (const spans of byChannel.values()) {
    let lastPost = Number.NEGATIVE_INFINITY;
    for (const s of spans.sort((a, b) => a.first - b.first)) {
      const post = Math.max(s.first, lastPost + 1000);
      lastPost = post;
      done = Math.max(done, post >= s.last ? post : Math.max(s.last, post + 1000));
    }
  }
  return done;
}
