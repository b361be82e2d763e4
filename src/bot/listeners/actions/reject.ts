import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { rejectClick } from '../../../handlers/decide-approval.js';
import { renderRejectModal } from '../../views/reject-modal.js';
import { type ButtonDeps, buttonListener } from './button-listener.js';
import { parseClick } from './click-payload.js';

/**
 * Reject opens a modal for the reason (trigger_id lives 3 s, so it is opened right here in the request). If the
 * modal cannot be opened, the request is rejected without a reason rather than left hanging.
 */
export function rejectListener(deps: ButtonDeps) {
  const withoutReason = buttonListener(deps, rejectClick);
  return async (args: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs): Promise<void> => {
    const click = parseClick(args.body);
    if (!click?.triggerId) return withoutReason(args);
    await args.ack();
    try {
      await args.client.views.open({
        trigger_id: click.triggerId,
        view: renderRejectModal(click.value, click.channelId),
      });
    } catch (err) {
      deps.log.warn({ err }, 'reject modal could not be opened; rejecting without a reason');
      await withoutReason({ ...args, ack: async () => {} });
    }
  };
}
