import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { newErrorId } from '../../../errors.js';
import { failureLog } from '../../../failure-log.js';
import type { ClickDeps, ClickInput, ClickReply } from '../../../handlers/click-context.js';
import type { Outbox } from '../../outbox.js';
import { parseClick } from './click-payload.js';

/** What every button listener needs. */
export interface ButtonDeps extends ClickDeps {
  outbox: Outbox;
}

/**
 * Wraps a click handler as a Bolt listener: acks at once (Slack waits 3 s), runs the handler, and answers the
 * clicker ephemerally. A failure still reaches them, with an error id.
 */
export function buttonListener(deps: ButtonDeps, handle: (deps: ClickDeps, input: ClickInput) => Promise<ClickReply>) {
  return async ({ ack, body }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const click = parseClick(body);
    if (!click) return;
    let reply: ClickReply;
    try {
      reply = await handle(deps, { userId: click.userId, channelId: click.channelId, value: click.value });
    } catch (err) {
      const errorId = newErrorId();
      const logged = failureLog(err);
      deps.log[logged.level]({ ...logged.fields, errorId, user: click.userId }, 'button click failed');
      reply = { ephemeral: `That did not go through (error id \`${errorId}\`). Nothing changed; try again.` };
    }
    if (reply.ephemeral) {
      await deps.outbox.ephemeral(click.channelId, click.userId, reply.ephemeral).catch((err: unknown) => {
        const logged = failureLog(err);
        deps.log[logged.level](logged.fields, 'ephemeral reply failed');
      });
    }
  };
}
