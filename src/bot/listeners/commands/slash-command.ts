import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import { newErrorId } from '../../../errors.js';
import { failureLog } from '../../../failure-log.js';
import { type CommandDeps, handleCommand } from '../../../handlers/handle-command.js';
import { historyCommands } from '../../../handlers/history.js';
import { CommandNames } from '../../../handlers/parse-command.js';
import { runbooks } from '../../../jobs/registry.js';
import { commandLabelOf, commandOutcomeOf } from '../../../metrics/command-labels.js';
import { renderCommandReply, renderInternalError } from '../../views/command-reply.js';

/** Slack gives up on an ack after 3 s; we answer before that even when the store is slow. */
export const ackDeadlineMs = 2500;

const commandPayload = z.object({
  command: z.string(),
  text: z.string(),
  user_id: z.string().min(1),
  channel_id: z.string().min(1),
  trigger_id: z.string().optional(),
});

class AckDeadline extends Error {}

/** The names a command's metrics label can take, indexed once. */
const labelNames = new CommandNames([...runbooks.keys(), ...historyCommands]);

/** The listener for every configured slash command: parse, authorize, persist, enqueue, then ack ephemerally. */
export function slashCommandListener(deps: CommandDeps) {
  return async ({ command, ack }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    const payload = commandPayload.safeParse(command);
    if (!payload.success) {
      await ack({ response_type: 'ephemeral', text: 'That request was missing the user, channel or command.' });
      return;
    }
    const p = payload.data;
    // Only a failure logs; the child logger is made then, not on every command.
    const log = () => deps.log.child({ requestId: p.trigger_id, user: p.user_id, command: p.command });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new AckDeadline()), ackDeadlineMs);
    });
    const work = handleCommand(deps, {
      command: p.command,
      text: p.text,
      userId: p.user_id,
      channelId: p.channel_id,
      requestId: p.trigger_id,
    });
    try {
      const reply = await Promise.race([work, deadline]);
      deps.metrics?.commandHandled(commandLabelOf(p.text, labelNames), commandOutcomeOf(reply));
      await ack({ response_type: 'ephemeral', ...renderCommandReply(reply) });
    } catch (err) {
      const errorId = newErrorId();
      deps.metrics?.commandHandled(
        commandLabelOf(p.text, labelNames),
        err instanceof AckDeadline ? 'ack_timeout' : 'error',
      );
      if (err instanceof AckDeadline) {
        log().error({ errorId }, 'command did not finish before the ack deadline');
        work.catch((late: unknown) => {
          const logged = failureLog(late);
          log()[logged.level]({ ...logged.fields, errorId }, 'late command failed');
        });
        await ack({
          response_type: 'ephemeral',
          ...renderInternalError(
            errorId,
            'The bot could not confirm your command in time (its state store or queue is slow). If it went through, its message will appear in this channel.',
          ),
        });
      } else {
        const logged = failureLog(err);
        log()[logged.level]({ ...logged.fields, errorId }, 'command failed');
        await ack({
          response_type: 'ephemeral',
          ...renderInternalError(
            errorId,
            'The bot could not record your command (its state store or queue is unavailable). Nothing was run.',
          ),
        });
      }
    } finally {
      clearTimeout(timer);
    }
  };
}
