import { z } from 'zod';
import { plainTextInput } from './block-kit.js';
import { deliverToBot } from './bot-delivery.js';
import type { Json } from './channel.js';
import { interactionBody } from './interaction-payloads.js';
import { modalView, type OpenModal } from './modals.js';
import { viewClosedPayload, viewSubmissionPayload } from './view-payloads.js';
import type { PlaygroundUser, Workspace } from './workspace.js';

/** What the page is told about a submission: done, or errors to show under fields (by block_id). */
export type SubmitResult = { ok: true } | { ok: false; error: string; errors?: Record<string, string> };

/** What the page sends: the text of each field, by block_id and action_id. */
export type FieldValues = Record<string, Record<string, string>>;

const inputBlock = z.object({
  type: z.literal('input'),
  block_id: z.string(),
  element: plainTextInput,
  optional: z.boolean().optional(),
});

/** A view_submission ack, as Bolt sends it (an empty body closes the modal). */
const submissionAck = z.union([
  z.object({ response_action: z.literal('errors'), errors: z.record(z.string(), z.string()) }),
  z.object({ response_action: z.enum(['update', 'push']), view: modalView }),
  z.object({ response_action: z.literal('clear') }),
  z.object({}).strict(),
]);

/**
 * `state.values` as Slack builds them from the modal's text fields; a required field left empty stops the
 * submission in the client, as Slack's does, with the bot never asked.
 */
function stateValues(
  modal: OpenModal,
  fields: FieldValues,
): { values: Record<string, Json>; missing: Record<string, string> } {
  const values: Record<string, Json> = {};
  const missing: Record<string, string> = {};
  for (const raw of modal.blocks) {
    const block = inputBlock.safeParse(raw);
    if (!block.success) continue;
    const actionId = block.data.element.action_id ?? '';
    const text = fields[block.data.block_id]?.[actionId] ?? '';
    if (text.trim() === '' && block.data.optional !== true)
      missing[block.data.block_id] = 'Please complete this required field.';
    values[block.data.block_id] = { [actionId]: { type: 'plain_text_input', value: text === '' ? null : text } };
  }
  return { values, missing };
}

function parseJson(text: string): unknown {
  try {
    return text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Submits a user's modal to the bot as a signed `view_submission`, then does what the ack says. */
export async function submitModal(
  ws: Workspace,
  user: PlaygroundUser,
  viewId: string,
  fields: FieldValues,
): Promise<SubmitResult> {
  const modal = ws.modals.find({ viewId });
  if (!modal || modal.userId !== user.id) return { ok: false, error: 'view_not_found' };
  const { values, missing } = stateValues(modal, fields);
  if (Object.keys(missing).length > 0) return { ok: false, error: 'missing_fields', errors: missing };
  const payload = viewSubmissionPayload(ws, user, modal, values, ws.triggers.issue(user.id));
  const answer = await deliverToBot(ws, interactionBody(payload));
  if (answer.kind === 'failed')
    return { ok: false, error: `We had some trouble connecting (${answer.error}). Try again?` };
  const ack = submissionAck.safeParse(parseJson(answer.body));
  if (!ack.success) return { ok: false, error: 'The app answered with something Slack would not accept.' };
  const action = 'response_action' in ack.data ? ack.data : undefined;
  if (action?.response_action === 'errors') return { ok: false, error: 'errors', errors: action.errors };
  // The playground keeps no view stack: a pushed view replaces the current one.
  if (action?.response_action === 'update' || action?.response_action === 'push')
    ws.modals.update(modal.id, action.view);
  else ws.modals.close(modal.id);
  return { ok: true };
}

/** Closes a user's modal (Cancel, ×, Esc); the bot hears of it only when the view asked with notify_on_close. */
export async function closeModal(ws: Workspace, user: PlaygroundUser, viewId: string): Promise<SubmitResult> {
  const modal = ws.modals.find({ viewId });
  if (!modal || modal.userId !== user.id) return { ok: false, error: 'view_not_found' };
  ws.modals.close(modal.id);
  if (modal.view.notify_on_close) await deliverToBot(ws, interactionBody(viewClosedPayload(ws, user, modal)));
  return { ok: true };
}
