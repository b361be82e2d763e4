import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewClosedAction } from '@slack/bolt';
import { rejectModalClosed } from '../../../handlers/decide-approval.js';
import type { ButtonDeps } from '../actions/button-listener.js';
import { rejectModalMetadata } from './reject-reason.js';

/** The reject modal closed without a reason (Slack's view_closed): the click is audited, and nothing changes. */
export function rejectClosedListener(deps: ButtonDeps) {
  return async ({ ack, body, view }: SlackViewMiddlewareArgs<ViewClosedAction> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const meta = rejectModalMetadata(view.private_metadata);
    if (!meta.success) return;
    await rejectModalClosed(deps, {
      userId: body.user.id,
      channelId: meta.data.channelId,
      value: meta.data.approvalId,
    }).catch((err: unknown) =>
      deps.log.error({ err, approvalId: meta.data.approvalId }, 'could not audit a closed reject modal'),
    );
  };
}
