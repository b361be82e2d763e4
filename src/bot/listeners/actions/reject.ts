import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { rejectButtonClick, rejectClick } from '../../../handlers/decide-approval.js';
import { renderRejectModal } from '../../views/reject-modal.js';
import { type ButtonDeps, buttonListener } from './button-listener.js';
import { parseClick } from './click-payload.js';

/**
 * Reject checks the clicker first (the same permission the decision takes), so someone who may not reject is told
 * why, and who can, without a modal. Otherwise it opens a modal for the reason (trigger_id lives 3 s, so it is opened
 * right here in the request). If the modal cannot be opened, the request is rejected without a reason rather than
 * left hanging.
 */
export function rejectListener(deps: ButtonDeps) {
  const withoutReason = buttonListener(deps, rejectClick);
  return async (args: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs): Promise<void> => {
    const triggerId = parseClick(args.body)?.triggerId;
    if (!triggerId) return withoutReason(args);
    const withModal = buttonListener(deps, async (d, input) => {
      const checked = await rejectButtonClick(d, input);
      if ('refused' in checked) return checked.refused;
      try {
        await args.client.views.open({
          trigger_id: triggerId,
          view: renderRejectModal(input.value, input.channelId),
        });
      } catch (err) {
        deps.log.warn({ err }, 'reject modal could not be opened; rejecting without a reason');
        return rejectClick(d, input);
      }
      await checked
        .audit('reason_modal_opened')
        .catch((err: unknown) => deps.log.error({ err, approvalId: input.value }, 'could not audit a Reject click'));
      return {};
    });
    return withModal(args);
  };
}
