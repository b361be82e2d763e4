import { countOf } from '../../format/words.js';
import type { CommandReply } from '../../handlers/handle-command.js';
import { renderAlertListing } from './alert-message.js';
import type { Block, MessageBody } from './blocks.js';
import { renderRun, renderRuns, renderSchedules } from './history.js';
import { escapeMrkdwn, limits, packLines, truncate } from './limits.js';

const riskLabel = { read: 'read', change: 'change', destructive: 'destructive · needs approval' } as const;

/** The ephemeral answer to a slash command. */
export function renderCommandReply(reply: CommandReply): MessageBody {
  switch (reply.kind) {
    case 'accepted': {
      const what = `*${escapeMrkdwn(reply.runbook)}* on ${escapeMrkdwn(reply.serviceName)} (${reply.environment})`;
      const text =
        reply.phase === 'running'
          ? `:rocket: Started ${what} as run \`${reply.runId}\`. Progress appears in this channel.`
          : reply.phase === 'dry_run'
            ? `:mag: Computing the plan for ${what} (dry run \`${reply.runId}\`). It will be posted here; nothing will run.`
            : `:clipboard: Computing the plan for ${what} (run \`${reply.runId}\`). It will be posted here for a second person's approval; nothing runs before that.`;
      return {
        text: `${reply.runbook} on ${reply.serviceName} (${reply.environment}): run ${reply.runId} (${reply.phase}).`,
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }],
      };
    }
    case 'refused': {
      const text = reply.suggestion ? `${reply.message} Did you mean \`${reply.suggestion}\`?` : reply.message;
      return {
        text: truncate(text, limits.fallbackText),
        blocks: [
          {
            type: 'section',
            text: { type: 'mrkdwn', text: truncate(`:no_entry: ${escapeMrkdwn(text)}`, limits.sectionText) },
          },
        ],
      };
    }
    case 'runs':
      return renderRuns(reply.serviceName, reply.runs);
    case 'run':
      return renderRun(reply.serviceName, reply.run);
    case 'schedules':
      return renderSchedules(reply.serviceName, reply.schedules);
    case 'alerts':
      return renderAlertListing(reply.serviceName, reply.groups, reply.more);
    case 'help': {
      const lines = reply.entries.map(
        (e) => `\`${escapeMrkdwn(e.usage)}\` — ${escapeMrkdwn(e.summary)} _(${riskLabel[e.risk]})_`,
      );
      const blocks: Block[] = [
        {
          type: 'header',
          text: { type: 'plain_text', text: truncate(`${reply.serviceName} runbooks`, limits.headerText) },
        },
        ...packLines(lines, limits.sectionText)
          .slice(0, limits.blocksPerMessage - 2)
          .map((text): Block => ({ type: 'section', text: { type: 'mrkdwn', text } })),
        {
          type: 'context',
          elements: [
            {
              type: 'mrkdwn',
              text: truncate(
                `Your role: *${reply.role}*. Environments: ${reply.environments.join(', ')} (\`--env NAME\`). Help lists only what your role may run.`,
                limits.contextElementText,
              ),
            },
          ],
        },
      ];
      return { text: `${reply.serviceName}: ${countOf(reply.entries.length, 'runbook')} available to you`, blocks };
    }
  }
}

/** The ephemeral answer when something broke inside the bot: short, with an id to quote. */
export function renderInternalError(errorId: string, message = 'Something went wrong on our side.'): MessageBody {
  const text = `${message} Error id \`${errorId}\`.`;
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `:warning: ${text}` } }] };
}
