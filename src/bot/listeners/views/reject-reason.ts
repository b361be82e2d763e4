import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { z } from 'zod';
import { rejectClick } from '../../../handlers/decide-approval.js';
import type { ButtonDeps } from '../actions/button-listener.js';

const metadata = z.object({ approvalId: z.string().min(1), channelId: z.string().min(1) });
const state = z.object({
  values: z.object({ reason: z.object({ reason: z.object({ value: z.string().nullable().optional() }) }) }),
});

/** The reject modal's submission: rejects with the reason and answers the clicker. */
export function rejectReasonListener(deps: ButtonDeps) {
  return async ({ ack, body, view }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const meta = rejectModalMetadata(view.private_metadata);
    if (!meta.success) return;
    const reason = state.safeParse(view.state).data?.values.reason.reason.value ?? undefined;
    const reply = await rejectClick(deps, {
      userId: body.user.id,
      channelId: meta.data.channelId,
      value: meta.data.approvalId,
      reason: reason ?? undefined,
    });
    if (reply.ephemeral) {
      await deps.outbox.ephemeral(meta.data.channelId, body.user.id, reply.ephemeral).catch(() => {});
    }
  };
}

/** The approval and channel the reject modal was opened for, from its private_metadata. */
export function rejectModalMetadata(privateMetadata: string | undefined) {
  return metadata.safeParse(parseJson(privateMetadata));
}

function parseJson(text: string | undefined): unknown {
  try {
    return JSON.parse(text ?? '');
  } catch {
    return undefined;
  }
}
