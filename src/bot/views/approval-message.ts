import type { ApprovalView, ApprovedRunOutcome } from '../../jobs/report.js';
import { actionIds } from './actions.js';
import type { Block, MessageBody } from './blocks.js';
import { escapeMrkdwn, fitMessage, limits, packLines, truncate } from './limits.js';
import { messagePermalink } from './permalink.js';

const statusHeader: Record<ApprovalView['status'], string> = {
  pending: ':raised_hand: Approval needed',
  approved: ':white_check_mark: Approved',
  rejected: ':no_entry: Rejected',
  expired: ':hourglass: Expired',
  superseded: ':leftwards_arrow_with_hook: Superseded',
  dry_run: ':mag: Dry run',
  cancelled: ':octagonal_sign: Cancelled',
};

function slackDate(d: Date): string {
  const seconds = Math.floor(d.getTime() / 1000);
  return `<!date^${seconds}^{date_short_pretty} {time}|${d.toISOString()}>`;
}

/** How an approved run ended, pointing at the run's own message. */
function outcomeLine(v: ApprovalView, outcome: ApprovedRunOutcome, workspaceUrl: string | undefined): string {
  const ended =
    outcome.status === 'cancelled'
      ? `The run was cancelled${outcome.by ? ` by <@${outcome.by}>` : ''}`
      : `The run ${outcome.status}`;
  if (!outcome.messageTs) {
    return outcome.status === 'cancelled'
      ? `${ended} before it started.`
      : `${ended}; \`run ${v.run.runId}\` has the detail.`;
  }
  if (!workspaceUrl) return `${ended}; its message in <#${v.run.channelId}> has the detail.`;
  return `${ended}: <${messagePermalink(workspaceUrl, v.run.channelId, outcome.messageTs)}|see the run's message>.`;
}

function decisionLine(v: ApprovalView, workspaceUrl: string | undefined): string {
  const who = v.approvers.map((a) => `<@${a}>`).join(', ');
  switch (v.status) {
    case 'pending':
      return v.approvers.length > 0
        ? `${v.approvers.length} of ${v.quorum} approvals: ${who}. Waiting for ${v.quorum - v.approvers.length} more. Expires ${slackDate(v.expiresAt)}.`
        : `Needs ${v.quorum} approval${v.quorum > 1 ? 's' : ''} from approvers other than <@${v.run.requestedBy}>. Expires ${slackDate(v.expiresAt)}.`;
    case 'approved':
      return `Approved by ${who}${v.decidedAt ? ` at ${slackDate(v.decidedAt)}` : ''}. ${v.outcome ? outcomeLine(v, v.outcome, workspaceUrl) : 'The run is queued.'}`;
    case 'rejected':
      return `Rejected by <@${v.decidedBy ?? '?'}>${v.decidedAt ? ` at ${slackDate(v.decidedAt)}` : ''}${v.reason ? `: ${escapeMrkdwn(v.reason)}` : '.'}`;
    case 'expired':
      return `Expired at ${slackDate(v.expiresAt)} without ${v.quorum > 1 ? `${v.quorum} approvals` : 'an approval'}. Nothing was run.`;
    case 'superseded':
      return 'The plan changed before the run started; a new approval was requested.';
    case 'dry_run':
      return 'Dry run: this is the plan; nothing was run and nothing was requested.';
    case 'cancelled':
      return `Cancelled by <@${v.decidedBy ?? v.run.requestedBy}>. Nothing was run.`;
  }
}

/**
 * The approval message: the plan in full, who decides, and Approve/Reject buttons while it is pending; once an
 * approved run ended, how, linked to the run's message (`workspaceUrl` is auth.test's `url`, for the permalink).
 */
export function renderApproval(v: ApprovalView, workspaceUrl?: string): MessageBody {
  const { run, plan } = v;
  const blocks: Block[] = [
    {
      type: 'header',
      text: {
        type: 'plain_text',
        text: truncate(
          `${statusHeader[v.status]}: ${run.runbook} · ${run.serviceName} · ${run.environment}`,
          limits.headerText,
        ),
        emoji: true,
      },
    },
    {
      type: 'section',
      text: { type: 'mrkdwn', text: truncate(`*${escapeMrkdwn(plan.summary)}*`, limits.sectionText) },
    },
  ];
  if (v.changes && v.changes.length > 0) {
    const lines = [
      ':warning: *The plan changed since it was approved:*',
      ...v.changes.map((c) => `• ${escapeMrkdwn(c)}`),
    ];
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncate(lines.join('\n'), limits.sectionText) } });
  }
  for (let i = 0; i < plan.fields.length; i += limits.fieldsPerSection) {
    blocks.push({
      type: 'section',
      fields: plan.fields.slice(i, i + limits.fieldsPerSection).map((f) => ({
        type: 'mrkdwn' as const,
        text: truncate(`*${escapeMrkdwn(f.label)}*\n${escapeMrkdwn(f.value)}`, limits.fieldText),
      })),
    });
  }
  const stepLines = plan.steps.map((s, i) => `${i + 1}. ${escapeMrkdwn(s)}`);
  for (const text of packLines(['*Steps*', ...stepLines], limits.sectionText)) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text } });
  }
  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: truncate(
          `Requested by <@${run.requestedBy}> · run \`${run.runId}\` · ${decisionLine(v, workspaceUrl)}`,
          limits.contextElementText,
        ),
      },
    ],
  });
  if (v.status === 'pending') {
    blocks.push({
      type: 'actions',
      block_id: `approval:${v.approvalId}`,
      elements: [
        {
          type: 'button',
          action_id: actionIds.approve,
          text: { type: 'plain_text', text: 'Approve' },
          style: 'primary',
          value: v.approvalId,
          confirm: {
            title: { type: 'plain_text', text: truncate(`Approve ${run.runbook}?`, 100) },
            text: {
              type: 'mrkdwn',
              text: truncate(`${escapeMrkdwn(plan.summary)}\nThis runs on *${run.environment}*.`, 300),
            },
            confirm: { type: 'plain_text', text: 'Approve' },
            deny: { type: 'plain_text', text: 'Back' },
          },
        },
        {
          type: 'button',
          action_id: actionIds.reject,
          text: { type: 'plain_text', text: 'Reject' },
          style: 'danger',
          value: v.approvalId,
        },
      ],
    });
  }
  const capped = fitMessage(
    blocks,
    (cut): Block => ({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `${cut} more plan sections did not fit in a message; \`run ${run.runId}\` shows the whole plan.`,
        },
      ],
    }),
  );
  return { text: truncate(`${statusHeader[v.status]}: ${plan.summary}`, limits.fallbackText), blocks: capped };
}
