import { rejectModalCallbackId } from './actions.js';

/**
 * The modal asking for a rejection reason; private_metadata carries the approval and channel. Slack tells us when it
 * is closed without a reason (view_closed) only because of notify_on_close, so that click is audited too.
 */
export function renderRejectModal(approvalId: string, channelId: string) {
  return {
    type: 'modal' as const,
    callback_id: rejectModalCallbackId,
    private_metadata: JSON.stringify({ approvalId, channelId }),
    title: { type: 'plain_text' as const, text: 'Reject request' },
    submit: { type: 'plain_text' as const, text: 'Reject' },
    close: { type: 'plain_text' as const, text: 'Back' },
    notify_on_close: true,
    blocks: [
      {
        type: 'input' as const,
        block_id: 'reason',
        optional: true,
        label: { type: 'plain_text' as const, text: 'Reason (shown in the channel)' },
        element: {
          type: 'plain_text_input' as const,
          action_id: 'reason',
          multiline: true,
          max_length: 500,
        },
      },
    ],
  };
}
