import type { ProgressItem, RecoveryAction, RunRef, RunReport } from '../../jobs/report.js';
import { actionIds } from './actions.js';
import type { Block, MessageBody } from './blocks.js';
import { escapeMrkdwn, fitMessage, limits, packLines, truncate } from './limits.js';
import { statusEmoji } from './status-emoji.js';

/**
 * Whether a summary already says a value of several words ("12 min" in "12 min old", not "3 h" in "13 h"). A
 * one-word value is always shown: a summary may name it as something else ("keep noeviction if …").
 */
function says(summary: string | undefined, value: string): boolean {
  if (!summary || !value.trim().includes(' ')) return false;
  const at = summary.indexOf(value);
  if (at < 0) return false;
  const before = summary[at - 1] ?? ' ';
  const after = summary[at + value.length] ?? ' ';
  return !/[\w.,]/.test(before) && !/[\w]/.test(after);
}

function itemLine(item: ProgressItem): string {
  const parts = [`${statusEmoji(item.status)} *${escapeMrkdwn(item.title)}*`];
  if (item.summary) parts.push(escapeMrkdwn(item.summary));
  else parts.push(`_${item.status}_`);
  // A summary that already says the value is not followed by it again; the threshold still is.
  const value = item.value !== undefined && !says(item.summary, item.value) ? item.value : undefined;
  if (value !== undefined && item.threshold !== undefined) {
    parts.push(`(\`${escapeMrkdwn(value)}\`, threshold ${escapeMrkdwn(item.threshold)})`);
  } else if (value !== undefined) {
    parts.push(`(\`${escapeMrkdwn(value)}\`)`);
  } else if (item.value !== undefined && item.threshold !== undefined) {
    parts.push(`(threshold ${escapeMrkdwn(item.threshold)})`);
  }
  return parts.join(' — ').replace(' — (', ' (');
}

function itemSections(items: readonly ProgressItem[], budget: number): Block[] {
  return packLines(items.map(itemLine), limits.sectionText)
    .slice(0, budget)
    .map((text) => ({ type: 'section', text: { type: 'mrkdwn', text } }));
}

function header(ref: RunRef, prefix: string): Block {
  return {
    type: 'header',
    text: {
      type: 'plain_text',
      text: truncate(`${prefix} ${ref.runbook} · ${ref.serviceName} · ${ref.environment}`, limits.headerText),
      emoji: true,
    },
  };
}

function context(ref: RunRef, extra?: string): Block {
  const who = ref.requestedBy.startsWith('schedule:')
    ? `Scheduled (${ref.requestedBy.slice('schedule:'.length)})`
    : `Requested by <@${ref.requestedBy}>`;
  const text = `${who} · run \`${ref.runId}\`${extra ? ` · ${extra}` : ''}`;
  return { type: 'context', elements: [{ type: 'mrkdwn', text: truncate(text, limits.contextElementText) }] };
}

const cancelButton = (ref: RunRef): Block => ({
  type: 'actions',
  block_id: `run:${ref.runId}`,
  elements: [
    {
      type: 'button',
      action_id: actionIds.cancel,
      text: { type: 'plain_text', text: 'Cancel' },
      value: ref.runId,
      confirm: {
        title: { type: 'plain_text', text: 'Cancel this run?' },
        text: {
          type: 'mrkdwn',
          text: 'A destructive runbook stops after its current step, never in the middle of one.',
        },
        confirm: { type: 'plain_text', text: 'Cancel run' },
        deny: { type: 'plain_text', text: 'Keep running' },
      },
    },
  ],
});

/** The live message of a running run: one line per check or step, and a Cancel button. */
export function renderRunProgress(ref: RunRef, items: readonly ProgressItem[]): MessageBody {
  const done = items.filter((i) => i.status !== 'pending' && i.status !== 'running').length;
  return {
    text: truncate(
      `${ref.runbook} on ${ref.serviceName} (${ref.environment}): ${done}/${items.length} done`,
      limits.fallbackText,
    ),
    blocks: fitMessage(
      [
        header(ref, ':arrows_counterclockwise:'),
        context(ref, `${done}/${items.length} done`),
        ...itemSections(items, limits.blocksPerMessage - 3),
        cancelButton(ref),
      ],
      (cut): Block => ({
        type: 'context',
        elements: [{ type: 'mrkdwn', text: `${cut} more sections are not shown.` }],
      }),
    ),
  };
}

/** Replaces the live message when a run was cancelled. */
export function renderRunCancelled(
  ref: RunRef,
  by: string,
  left?: { message: string; recovery: readonly RecoveryAction[] },
): MessageBody {
  const said = `Cancelled by <@${by}>. Completed steps stay done; nothing else runs.`;
  const buttons = left ? recoveryButtons(ref, left.recovery) : [];
  return {
    text: truncate(`${ref.runbook} was cancelled by ${by}`, limits.fallbackText),
    blocks: [
      header(ref, ':octagonal_sign:'),
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: truncate(
            left ? `${said}\nIt left things as follows.\n${escapeMrkdwn(left.message)}` : said,
            limits.sectionText,
          ),
        },
      },
      context(ref),
      ...(buttons.length > 0
        ? [{ type: 'actions' as const, block_id: `recovery:${ref.runId}`, elements: buttons }]
        : []),
    ],
  };
}

/** Roll back and Scale back up: each starts its own run, through the same policy and approvals as the command. */
function recoveryButtons(ref: RunRef, recovery: readonly RecoveryAction[]) {
  return recovery.map((action) => ({
    type: 'button' as const,
    action_id: action === 'rollback' ? actionIds.rollback : actionIds.scaleUp,
    text: { type: 'plain_text' as const, text: action === 'rollback' ? 'Roll back' : 'Scale back up' },
    value: ref.runId,
  }));
}

/** The final report that replaces the live message. */
export function renderRunReport(ref: RunRef, report: RunReport): MessageBody {
  const blocks: Block[] = [
    header(ref, statusEmoji(report.status)),
    {
      type: 'section',
      text: { type: 'mrkdwn', text: truncate(`*${escapeMrkdwn(report.headline)}*`, limits.sectionText) },
    },
  ];
  const tail = context(ref, report.details.length > 0 ? 'details in thread' : undefined);
  const rerun: Block = {
    type: 'actions',
    block_id: `report:${ref.runId}`,
    elements: [
      { type: 'button', action_id: actionIds.rerun, text: { type: 'plain_text', text: 'Re-run' }, value: ref.runId },
    ],
  };
  blocks.push(...itemSections(report.items, limits.blocksPerMessage - blocks.length - 2), tail, rerun);
  const fitted = fitMessage(
    blocks,
    (cut): Block => ({
      type: 'context',
      elements: [
        { type: 'mrkdwn', text: `${cut} more sections did not fit in a message; \`run ${ref.runId}\` shows them all.` },
      ],
    }),
  );
  return { text: truncate(`${statusEmoji(report.status)} ${report.headline}`, limits.fallbackText), blocks: fitted };
}

/**
 * The thread reply with a report's detail, within Slack's limits (50 blocks, 3,000 characters a section, about 12k
 * characters a message). `truncated` says something was cut, so the caller uploads the whole detail as a file.
 */
export function renderReportDetails(report: RunReport): { body: MessageBody; truncated: boolean } | undefined {
  if (report.details.length === 0) return undefined;
  const lines: string[] = [];
  for (const d of report.details) {
    lines.push(`*${escapeMrkdwn(d.title)}*`);
    for (const l of d.lines) lines.push(`• \`${escapeMrkdwn(l.replace(/`/g, "'"))}\``);
  }
  let truncated = lines.some((l) => l.length > limits.sectionText);
  const sections = packLines(lines, limits.sectionText);
  const blocks: Block[] = [];
  let chars = 0;
  for (const text of sections) {
    // Leave room for the closing note.
    if (blocks.length >= limits.blocksPerMessage - 1 || chars + text.length > limits.messageChars) {
      truncated = true;
      break;
    }
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text } });
    chars += text.length;
  }
  if (truncated) {
    blocks.push({
      type: 'context',
      elements: [
        { type: 'mrkdwn', text: 'This detail is longer than a Slack message; the full text is attached as a file.' },
      ],
    });
  }
  return {
    body: { text: truncate(`Details: ${report.details.map((d) => d.title).join('; ')}`, limits.fallbackText), blocks },
    truncated,
  };
}

/** Replaces the live message when the run failed: a short message and the error id to quote. */
export function renderRunFailure(
  ref: RunRef,
  failure: { message: string; errorId: string; step?: string },
): MessageBody {
  const text = `${failure.message} Error id \`${failure.errorId}\`${failure.step ? ` (step ${failure.step})` : ''}.`;
  return {
    text: truncate(`${ref.runbook} failed: ${failure.message} (error ${failure.errorId})`, limits.fallbackText),
    blocks: [
      header(ref, ':x:'),
      { type: 'section', text: { type: 'mrkdwn', text: truncate(escapeMrkdwn(text), limits.sectionText) } },
      context(ref),
    ],
  };
}

/** Tells the channel a run stopped and needs a person, with Retry step / Abort buttons for an approver. */
export function renderNeedsAttention(
  ref: RunRef,
  message: string,
  recovery: readonly RecoveryAction[] = [],
): MessageBody {
  return {
    text: truncate(`${ref.runbook} needs attention: ${message}`, limits.fallbackText),
    blocks: [
      header(ref, ':raised_hand:'),
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: truncate(
            `${escapeMrkdwn(message)}\nAn approver decides: ${recovery.length > 0 ? 'retry the step, roll back, scale back up, or abort the run' : 'retry the step, or abort the run'}.`,
            limits.sectionText,
          ),
        },
      },
      context(ref),
      {
        type: 'actions',
        block_id: `attention:${ref.runId}`,
        elements: [
          {
            type: 'button',
            action_id: actionIds.retryStep,
            text: { type: 'plain_text', text: 'Retry step' },
            style: 'primary',
            value: ref.runId,
            confirm: {
              title: { type: 'plain_text', text: 'Run the interrupted step again?' },
              text: { type: 'mrkdwn', text: 'Check its effect first: it started once and did not finish.' },
              confirm: { type: 'plain_text', text: 'Retry step' },
              deny: { type: 'plain_text', text: 'Back' },
            },
          },
          ...recoveryButtons(ref, recovery),
          {
            type: 'button',
            action_id: actionIds.abort,
            text: { type: 'plain_text', text: 'Abort' },
            style: 'danger',
            value: ref.runId,
          },
        ],
      },
    ],
  };
}

/** The needs-attention message once a person decided. */
export function renderAttentionResolved(
  ref: RunRef,
  message: string,
  decision: 'retry' | 'abort',
  by: string,
): MessageBody {
  const verdict = decision === 'retry' ? `<@${by}> chose to retry the step.` : `<@${by}> aborted the run.`;
  return {
    text: truncate(`${ref.runbook}: ${verdict}`, limits.fallbackText),
    blocks: [
      header(ref, decision === 'retry' ? ':repeat:' : ':octagonal_sign:'),
      {
        type: 'section',
        text: { type: 'mrkdwn', text: truncate(`${escapeMrkdwn(message)}\n${verdict}`, limits.sectionText) },
      },
      context(ref),
    ],
  };
}
