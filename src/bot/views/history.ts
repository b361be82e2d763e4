import type { RunDetail, RunSummary, ScheduleSummary } from '../../handlers/history.js';
import type { Block, MessageBody } from './blocks.js';
import { escapeMrkdwn, limits, packLines, truncate } from './limits.js';
import { statusEmoji } from './status-emoji.js';

const runStatusEmoji: Record<string, string> = {
  succeeded: ':white_check_mark:',
  failed: ':x:',
  cancelled: ':octagonal_sign:',
  rejected: ':no_entry:',
  expired: ':hourglass:',
  running: ':arrows_counterclockwise:',
  queued: ':hourglass_flowing_sand:',
  planning: ':clipboard:',
  awaiting_approval: ':raised_hand:',
  needs_attention: ':warning:',
};

function duration(ms: number | undefined): string {
  if (ms === undefined) return '–';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

function who(id: string): string {
  return id.startsWith('schedule:') ? `schedule ${escapeMrkdwn(id.slice('schedule:'.length))}` : `<@${id}>`;
}

function sections(header: string, lines: string[], footer?: string): MessageBody {
  const blocks: Block[] = [{ type: 'header', text: { type: 'plain_text', text: truncate(header, limits.headerText) } }];
  for (const text of packLines(lines, limits.sectionText).slice(0, limits.blocksPerMessage - 2)) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text } });
  }
  if (footer)
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: truncate(footer, limits.contextElementText) }] });
  return { text: truncate(`${header}\n${lines.slice(0, 20).join('\n')}`, limits.fallbackText), blocks };
}

/** `runs`: one line per run. */
export function renderRuns(serviceName: string, runs: RunSummary[]): MessageBody {
  if (runs.length === 0) return sections(`${serviceName}: recent runs`, ['No runs match.']);
  const lines = runs.map(
    (r) =>
      `${runStatusEmoji[r.status] ?? ''} \`${r.id}\` *${escapeMrkdwn(r.runbook)}* · ${r.environment} · ${who(r.requestedBy)} · ${r.status} · ${duration(r.durationMs)} · ${r.createdAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
  );
  return sections(`${serviceName}: recent runs`, lines, 'Details: `run <id>`.');
}

/** `run <id>`: the plan, approvals, each step with its duration and result, and the report. */
export function renderRun(serviceName: string, r: RunDetail): MessageBody {
  const lines: string[] = [
    `${runStatusEmoji[r.status] ?? ''} *${escapeMrkdwn(r.runbook)}* on ${escapeMrkdwn(serviceName)} (${r.environment}) · ${r.status} · ${duration(r.durationMs)}`,
    `Requested by ${who(r.requestedBy)} at ${r.createdAt.toISOString()}`,
  ];
  const params = Object.entries(r.params);
  if (params.length > 0)
    lines.push(`Params: ${params.map(([k, v]) => `${k}=\`${escapeMrkdwn(JSON.stringify(v))}\``).join(', ')}`);
  if (r.plan !== undefined) {
    const summary = typeof r.plan === 'object' && r.plan !== null && 'summary' in r.plan ? String(r.plan.summary) : '';
    lines.push(`*Plan:* ${escapeMrkdwn(summary)}`);
  }
  for (const a of r.approvals) {
    const voters = a.approvers.map((v) => `<@${v}>`).join(', ') || 'nobody';
    lines.push(
      `*Approval* \`${a.id}\`: ${a.status}${a.decided_by ? ` by <@${a.decided_by}>` : ''}${a.decided_at ? ` at ${a.decided_at.toISOString()}` : ''} · approvals from ${voters} (quorum ${a.quorum})${a.reason ? ` · "${escapeMrkdwn(a.reason)}"` : ''}`,
    );
  }
  if (r.steps.length > 0) lines.push('*Steps*');
  for (const s of r.steps) {
    const ms = s.finishedAt ? s.finishedAt.getTime() - s.startedAt.getTime() : undefined;
    lines.push(
      `• ${escapeMrkdwn(s.name)}: ${s.status}${s.reason ? `: ${escapeMrkdwn(s.reason)}` : ''} · ${duration(ms)}${s.error ? ` · ${escapeMrkdwn(s.error)}` : ''}`,
    );
  }
  if (r.report) {
    lines.push(`*Report:* ${statusEmoji(r.report.status)} ${escapeMrkdwn(r.report.headline)}`);
    for (const i of r.report.items)
      lines.push(
        `• ${statusEmoji(i.status)} ${escapeMrkdwn(i.title)}${i.value ? ` \`${escapeMrkdwn(i.value)}\`` : ''}`,
      );
  }
  if (r.error) lines.push(`*Error:* ${escapeMrkdwn(r.error)}`);
  return sections(`Run ${r.id}`, lines);
}

/** `schedules`: each schedule with its next fire time. */
export function renderSchedules(serviceName: string, schedules: ScheduleSummary[]): MessageBody {
  if (schedules.length === 0)
    return sections(`${serviceName}: schedules`, ['No schedules are configured (`schedules:` in the ops config).']);
  const lines = schedules.map((s) => {
    const next = !s.channel
      ? 'disabled (no channel)'
      : s.next
        ? `next <!date^${Math.floor(s.next.getTime() / 1000)}^{date_short_pretty} {time}|${s.next.toISOString()}>`
        : 'next: not scheduled';
    return `*${escapeMrkdwn(s.name)}* · \`${escapeMrkdwn(s.cron)}\` ${s.tz} · runs \`${escapeMrkdwn(s.run)}\`${s.channel ? ` in <#${s.channel}>` : ''}${s.quiet ? ' · quiet' : ''} · ${next}`;
  });
  return sections(`${serviceName}: schedules`, lines, 'Post one now: `digest daily|weekly|monthly`.');
}
