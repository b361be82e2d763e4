import { z } from 'zod';

// Only the parts of Block Kit the playground renders are declared; anything else falls back to a readable note.

const plainText = z.object({ type: z.literal('plain_text'), text: z.string(), emoji: z.boolean().optional() });
const mrkdwnText = z.object({ type: z.literal('mrkdwn'), text: z.string(), verbatim: z.boolean().optional() });
const textObject = z.discriminatedUnion('type', [plainText, mrkdwnText]);

const confirmDialog = z.object({
  title: plainText,
  text: textObject,
  confirm: plainText,
  deny: plainText,
  style: z.enum(['primary', 'danger']).optional(),
});

/** A button element (in an actions block or as a section accessory). */
export const buttonElement = z.object({
  type: z.literal('button'),
  action_id: z.string().optional(),
  text: plainText,
  value: z.string().optional(),
  url: z.string().optional(),
  style: z.enum(['primary', 'danger']).optional(),
  confirm: confirmDialog.optional(),
});

/** An image element (a section accessory or in a context block). */
export const imageElement = z.object({
  type: z.literal('image'),
  image_url: z.string().optional(),
  slack_file: z.object({ id: z.string().optional(), url: z.string().optional() }).optional(),
  alt_text: z.string(),
});

const otherElement = z.object({ type: z.string() });

/** A text field in an input block (modals). */
export const plainTextInput = z.object({
  type: z.literal('plain_text_input'),
  action_id: z.string().optional(),
  placeholder: plainText.optional(),
  initial_value: z.string().optional(),
  multiline: z.boolean().optional(),
  max_length: z.number().int().positive().optional(),
});

const blockId = z.string().optional();

/** The blocks the playground renders. */
export const renderedBlock = z.discriminatedUnion('type', [
  z.object({ type: z.literal('header'), block_id: blockId, text: plainText }),
  z.object({
    type: z.literal('section'),
    block_id: blockId,
    text: textObject.optional(),
    fields: z.array(textObject).optional(),
    accessory: z.union([buttonElement, imageElement, otherElement]).optional(),
  }),
  z.object({ type: z.literal('context'), block_id: blockId, elements: z.array(z.union([textObject, imageElement])) }),
  z.object({ type: z.literal('divider'), block_id: blockId }),
  z.object({
    type: z.literal('actions'),
    block_id: blockId,
    elements: z.array(z.union([buttonElement, otherElement])),
  }),
  z.object({
    type: z.literal('image'),
    block_id: blockId,
    image_url: z.string().optional(),
    slack_file: z.object({ id: z.string().optional(), url: z.string().optional() }).optional(),
    alt_text: z.string(),
    title: plainText.optional(),
  }),
  z.object({
    type: z.literal('input'),
    block_id: blockId,
    label: plainText,
    element: z.union([plainTextInput, otherElement]),
    hint: plainText.optional(),
    optional: z.boolean().optional(),
  }),
]);

/** A Block Kit text object. */
export type TextObject = z.infer<typeof textObject>;
/** A Block Kit button. */
export type ButtonElement = z.infer<typeof buttonElement>;
/** A Block Kit image element or block's source. */
export type ImageSource = Pick<z.infer<typeof imageElement>, 'image_url' | 'slack_file' | 'alt_text'>;
/** A block the playground renders. */
export type RenderedBlock = z.infer<typeof renderedBlock>;
/** A plain_text_input element. */
export type PlainTextInput = z.infer<typeof plainTextInput>;

/** A button found in a message, with the block that holds it (what a block_actions payload describes). */
export interface FoundButton {
  blockId: string;
  button: ButtonElement;
}

/** Finds the button a click refers to, in an actions block or a section accessory. */
export function findButton(
  blocks: readonly unknown[],
  blockIdWanted: string,
  actionId: string,
): FoundButton | undefined {
  for (const raw of blocks) {
    const parsed = renderedBlock.safeParse(raw);
    if (!parsed.success) continue;
    const block = parsed.data;
    if (block.block_id !== blockIdWanted) continue;
    const candidates = block.type === 'actions' ? block.elements : block.type === 'section' ? [block.accessory] : [];
    for (const element of candidates) {
      const button = buttonElement.safeParse(element);
      if (button.success && button.data.action_id === actionId) return { blockId: blockIdWanted, button: button.data };
    }
  }
  return undefined;
}
