import { randomBytes } from 'node:crypto';
import type { Json, JsonObject } from './channel.js';

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A short random id like the ones Slack invents for blocks and actions that have none. */
function slackStyleId(length = 5): string {
  return [...randomBytes(length)].map((b) => alphabet[b % alphabet.length]).join('');
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function withActionId(element: Json): Json {
  if (!isObject(element) || typeof element.type !== 'string' || element.type === 'image') return element;
  return typeof element.action_id === 'string' ? element : { ...element, action_id: slackStyleId() };
}

/**
 * The blocks as Slack stores them: every block gets a `block_id` and every interactive element an `action_id` when
 * the sender gave none, so a later click reports the same ids the message holds.
 */
export function withGeneratedIds(blocks: readonly JsonObject[]): JsonObject[] {
  return blocks.map((block) => {
    const out: JsonObject = { ...block };
    if (typeof out.block_id !== 'string') out.block_id = slackStyleId();
    if (out.type === 'actions' && Array.isArray(out.elements)) out.elements = out.elements.map(withActionId);
    if (out.type === 'section' && out.accessory !== undefined) out.accessory = withActionId(out.accessory);
    if (out.type === 'input' && out.element !== undefined) out.element = withActionId(out.element);
    return out;
  });
}
