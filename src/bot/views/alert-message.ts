import type { AlertGroup } from '../../alerts/alert-group-store.js';
import { countOf } from '../../format/words.js';
import type { AlertListing } from '../../handlers/command-types.js';
import { actionIds } from './actions.js';
import type { Block, MessageBody } from './blocks.js';
import { escapeMrkdwn, fitMessage, limits, truncate } from './limits.js';

/** The silences the buttons offer, in hours. */
export const silenceButtonHours = [1, 4, 24] as const;

/** Alerts listed one by one in the message; the rest are counted. */
const listedAlerts = 10;
/** Labels every alert of a group shares say nothing per alert; these say which one it is. */
const identifying = ['instance', 'pod', 'container', 'job', 'namespace', 'deployment', 'persistentvolumeclaim'];

/** Slack's own date formatting: each reader sees their time zone; the fallback is UTC. */
function slackDate(iso: string): string {
  const t = Date.parse(iso);
  if (!Number.isFinite(t) || t <= 0) return iso;
  const fallback = new Date(t).toISOString().replace('T', ' ').slice(0, 16);
  return `<!date^${Math.floor(t / 1000)}^{date_short_pretty} {time}|${fallback} UTC>`;
}

function link(url: string, text: string): string | undefined {
  return /^https?:\/\/[^\s<>|]+$/.test(url) ? `<${url}|${text}>` : undefined;
}

/** The button value of a suggested runbook: the group and the suggestion's place in it. */
export function alertRunbookValue(groupId: string, index: number): string {
  return `${groupId}|${index}`;
}

/**
 * One alert group's message: what fires (or resolved), where, since when, each alert with what tells it apart, and
 * the runbooks it suggests as buttons. Rendered from the stored group only, so every instance renders the same.
 */
export function renderAlertGroup(
  g: AlertGroup,
  serviceName: string | undefined,
  opts: { silenceable: boolean } = { silenceable: false },
): MessageBody {
  const firing = g.alerts.filter((a) => a.status === 'firing');
  const resolved = g.alerts.filter((a) => a.status === 'resolved');
  const names = [...new Set(g.alerts.map((a) => a.labels.alertname ?? 'alert'))];
  const where = [serviceName ?? g.service, g.environment].filter(Boolean).join(' ');
  const title = truncate(
    `${g.status === 'firing' ? '🔴 Firing' : '✅ Resolved'}: ${names.join(', ')}${where ? ` — ${where}` : ''}`,
    limits.headerText,
  );
  const severity = g.common_labels.severity;
  const counts = [
    firing.length > 0 ? `${countOf(firing.length, 'alert')} firing` : undefined,
    resolved.length > 0 ? `${countOf(resolved.length, 'alert')} resolved` : undefined,
  ].filter(Boolean);
  const summary = firing[0]?.annotations.summary ?? g.alerts[0]?.annotations.summary;
  const blocks: Block[] = [{ type: 'header', text: { type: 'plain_text', text: title } }];
  blocks.push({
    type: 'section',
    text: {
      type: 'mrkdwn',
      text: truncate(
        [
          summary ? `*${escapeMrkdwn(summary)}*` : undefined,
          `${counts.join(', ')}${severity ? ` · severity *${escapeMrkdwn(severity)}*` : ''}`,
        ]
          .filter(Boolean)
          .join('\n'),
        limits.sectionText,
      ),
    },
  });
  const shown = [...firing, ...resolved].slice(0, listedAlerts);
  for (const a of shown) {
    const tells = identifying
      .filter((l) => a.labels[l] !== undefined && g.common_labels[l] === undefined)
      .map((l) => `${l}=${escapeMrkdwn(a.labels[l] ?? '')}`);
    const description = a.annotations.description ?? a.annotations.summary ?? '';
    const when =
      a.status === 'firing' ? `since ${slackDate(a.startsAt)}` : `resolved ${slackDate(a.endsAt || a.startsAt)}`;
    const source = link(a.generatorURL, 'source');
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: truncate(
          [
            `${a.status === 'firing' ? '🔴' : '✅'} *${escapeMrkdwn(a.labels.alertname ?? 'alert')}*${tells.length ? ` ${tells.join(' ')}` : ''} — ${when}${source ? ` · ${source}` : ''}`,
            description ? `> ${escapeMrkdwn(description)}` : undefined,
          ]
            .filter(Boolean)
            .join('\n'),
          limits.sectionText,
        ),
      },
    });
  }
  const more = g.alerts.length - shown.length;
  const context = [
    more > 0 ? `and ${countOf(more, 'more alert')}` : undefined,
    g.silenced_by && g.silenced_until
      ? `🔕 silenced by <@${g.silenced_by}> until ${slackDate(g.silenced_until.toISOString())}`
      : undefined,
    link(g.external_url, 'Alertmanager'),
  ].filter((t): t is string => t !== undefined);
  if (context.length > 0) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: context.join(' · ') }] });
  if (g.suggestions.length > 0 && g.status === 'firing') {
    blocks.push({
      type: 'actions',
      block_id: `alert_runbooks_${g.id}`,
      elements: g.suggestions.map((text, i) => ({
        type: 'button' as const,
        action_id: `${actionIds.alertRunbook}_${i}`,
        text: { type: 'plain_text' as const, text: truncate(`▶ ${text}`, limits.buttonText) },
        value: alertRunbookValue(g.id, i),
      })),
    });
  }
  if (opts.silenceable && g.status === 'firing') {
    blocks.push({
      type: 'actions',
      block_id: `alert_silence_${g.id}`,
      elements: g.silence_id
        ? [
            {
              type: 'button',
              action_id: actionIds.alertUnsilence,
              text: { type: 'plain_text', text: '🔔 Unsilence' },
              value: g.id,
            },
          ]
        : silenceButtonHours.map((h) => ({
            type: 'button' as const,
            action_id: `${actionIds.alertSilence}_${h}h`,
            text: { type: 'plain_text' as const, text: `🔕 Silence ${h} h` },
            value: `${g.id}|${h}`,
          })),
    });
  }
  const text = truncate(`${title}${summary ? `: ${summary}` : ''}`, limits.fallbackText);
  return {
    text,
    blocks: fitMessage(blocks, (cut) => ({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `${countOf(cut, 'more alert')} not shown` }],
    })),
  };
}

/** `alerts`: what fires now, group by group, with the buttons of the groups the bot knows. */
export function renderAlertListing(serviceName: string, groups: readonly AlertListing[], more: number): MessageBody {
  if (groups.length === 0) {
    const text = `✅ Nothing fires for ${serviceName} now (Alertmanager: active, not silenced, not inhibited).`;
    return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: escapeMrkdwn(text) } }] };
  }
  const count = groups.reduce((n, g) => n + g.alerts.length, 0);
  const title = truncate(
    `🔴 ${countOf(count, 'alert')} firing for ${serviceName} in ${countOf(groups.length + more, 'group')}`,
    limits.headerText,
  );
  const blocks: Block[] = [{ type: 'header', text: { type: 'plain_text', text: title } }];
  for (const g of groups) {
    const names = [...new Set(g.alerts.map((a) => a.alertname))].join(', ');
    const where = Object.entries(g.labels)
      .filter(([k]) => k !== 'alertname')
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    const lines = g.alerts
      .slice(0, 5)
      .map((a) => `• ${escapeMrkdwn(a.summary ?? a.alertname)} — since ${slackDate(a.startsAt)}`);
    if (g.alerts.length > 5) lines.push(`• and ${countOf(g.alerts.length - 5, 'more alert')}`);
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: truncate(
          [`*${escapeMrkdwn(names)}*${where ? ` · ${escapeMrkdwn(where)}` : ''}`, ...lines].join('\n'),
          limits.sectionText,
        ),
      },
    });
    if (g.known && g.known.suggestions.length > 0) {
      const id = g.known.id;
      blocks.push({
        type: 'actions',
        block_id: `alert_runbooks_${id}`,
        elements: g.known.suggestions.map((text, i) => ({
          type: 'button' as const,
          action_id: `${actionIds.alertRunbook}_${i}`,
          text: { type: 'plain_text' as const, text: truncate(`▶ ${text}`, limits.buttonText) },
          value: alertRunbookValue(id, i),
        })),
      });
    }
  }
  if (more > 0)
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `and ${countOf(more, 'more group')}` }] });
  return { text: title, blocks: blocks.slice(0, limits.blocksPerMessage) };
}
