import {
  type ButtonElement,
  buttonElement,
  type ImageSource,
  imageElement,
  type PlainTextInput,
  plainTextInput,
  type RenderedBlock,
  renderedBlock,
  type TextObject,
} from './block-kit.js';
import { emojifyEscaped } from './emoji.js';
import { escapeHtml, safeUrl } from './html.js';
import { type MentionDirectory, renderMrkdwn } from './mrkdwn.js';

/** What rendering needs besides the blocks: names for mentions, and where uploaded files are served. */
export interface RenderContext extends MentionDirectory {
  /** The URL the playground serves an uploaded file at. */
  fileUrl(fileId: string): string;
}

/** A text object as HTML: mrkdwn rendered, plain_text escaped (with shortcodes turned to emoji unless emoji:false). */
export function renderText(text: TextObject, ctx: RenderContext): string {
  if (text.type === 'mrkdwn') return `<div class="mrkdwn">${renderMrkdwn(text.text, ctx)}</div>`;
  const escaped = escapeHtml(text.text).replace(/\n/g, '<br>');
  return `<div class="plain">${text.emoji === false ? escaped : emojifyEscaped(escaped)}</div>`;
}

function plainHtml(text: { text: string; emoji?: boolean }): string {
  const escaped = escapeHtml(text.text);
  return text.emoji === false ? escaped : emojifyEscaped(escaped);
}

function imageSrc(image: ImageSource, ctx: RenderContext): string | undefined {
  if (image.slack_file?.id) return ctx.fileUrl(image.slack_file.id);
  const raw = image.image_url ?? image.slack_file?.url;
  return raw === undefined ? undefined : safeUrl(raw, false);
}

function imageHtml(image: ImageSource, ctx: RenderContext, className: string): string {
  const src = imageSrc(image, ctx);
  const alt = escapeHtml(image.alt_text);
  if (!src) return `<span class="${className} image-missing" title="${alt}">🖼 ${alt}</span>`;
  return `<img class="${className}" src="${escapeHtml(src)}" alt="${alt}" loading="lazy">`;
}

/**
 * A button. The click is resolved on the server from the stored message, so the page only needs the ids; a confirm
 * dialog travels as an inert <template> that the page shows before sending the click.
 */
function buttonHtml(button: ButtonElement, blockId: string | undefined, ctx: RenderContext): string {
  const classes = ['btn', button.style ? `btn-${button.style}` : ''].filter(Boolean).join(' ');
  const attrs = [
    `type="button"`,
    `class="${classes}"`,
    `data-block-id="${escapeHtml(blockId ?? '')}"`,
    `data-action-id="${escapeHtml(button.action_id ?? '')}"`,
  ];
  const href = button.url === undefined ? undefined : safeUrl(button.url);
  if (href !== undefined) attrs.push(`data-url="${escapeHtml(href)}"`);
  let html = `<button ${attrs.join(' ')}>${plainHtml(button.text)}</button>`;
  if (button.confirm) {
    const c = button.confirm;
    html +=
      `<template class="confirm"${c.style ? ` data-style="${c.style}"` : ''}>` +
      `<div class="confirm-title">${plainHtml(c.title)}</div>` +
      `<div class="confirm-text">${renderText(c.text, ctx)}</div>` +
      `<span class="confirm-yes">${plainHtml(c.confirm)}</span>` +
      `<span class="confirm-no">${plainHtml(c.deny)}</span>` +
      `</template>`;
  }
  return `<span class="action">${html}</span>`;
}

/** A text field; the page reads its value by block and action id when the modal is submitted. */
function textInputHtml(input: PlainTextInput, blockId: string | undefined, required: boolean): string {
  const attrs = [
    `class="text-input"`,
    `data-block-id="${escapeHtml(blockId ?? '')}"`,
    `data-action-id="${escapeHtml(input.action_id ?? '')}"`,
  ];
  if (input.max_length !== undefined) attrs.push(`maxlength="${input.max_length}"`);
  if (input.placeholder) attrs.push(`placeholder="${escapeHtml(input.placeholder.text)}"`);
  if (required) attrs.push('required');
  const initial = escapeHtml(input.initial_value ?? '');
  return input.multiline
    ? `<textarea ${attrs.join(' ')} rows="4">${initial}</textarea>`
    : `<input type="text" ${attrs.join(' ')} value="${initial}">`;
}

function unsupported(what: string): string {
  return `<span class="unsupported">[${escapeHtml(what)} is not shown in the playground]</span>`;
}

function blockAttrs(type: string, blockId: string | undefined): string {
  return `class="block block-${type}"${blockId ? ` data-block-id="${escapeHtml(blockId)}"` : ''}`;
}

function renderBlock(block: RenderedBlock, ctx: RenderContext): string {
  const attrs = blockAttrs(block.type, block.block_id);
  switch (block.type) {
    case 'header':
      return `<div ${attrs}><h3 class="header">${plainHtml(block.text)}</h3></div>`;
    case 'divider':
      return `<div ${attrs}><hr></div>`;
    case 'section': {
      const parts: string[] = [];
      if (block.text) parts.push(renderText(block.text, ctx));
      if (block.fields && block.fields.length > 0) {
        parts.push(
          `<div class="fields">${block.fields.map((f) => `<div class="field">${renderText(f, ctx)}</div>`).join('')}</div>`,
        );
      }
      let accessory = '';
      if (block.accessory) {
        const button = buttonElement.safeParse(block.accessory);
        const image = imageElement.safeParse(block.accessory);
        const inner = button.success
          ? buttonHtml(button.data, block.block_id, ctx)
          : image.success
            ? imageHtml(image.data, ctx, 'accessory-image')
            : unsupported(`${block.accessory.type} element`);
        accessory = `<div class="accessory">${inner}</div>`;
      }
      return `<div ${attrs}><div class="section-main">${parts.join('')}</div>${accessory}</div>`;
    }
    case 'context': {
      const elements = block.elements.map((e) =>
        e.type === 'image'
          ? imageHtml(e, ctx, 'context-image')
          : `<div class="context-text">${renderText(e, ctx)}</div>`,
      );
      return `<div ${attrs}>${elements.join('')}</div>`;
    }
    case 'actions': {
      const elements = block.elements.map((e) => {
        const button = buttonElement.safeParse(e);
        return button.success ? buttonHtml(button.data, block.block_id, ctx) : unsupported(`${e.type} element`);
      });
      return `<div ${attrs}>${elements.join('')}</div>`;
    }
    case 'image': {
      const title = block.title ? `<figcaption>${plainHtml(block.title)}</figcaption>` : '';
      return `<figure ${attrs}>${title}${imageHtml(block, ctx, 'image')}</figure>`;
    }
    case 'input': {
      const optional = block.optional ? ' <span class="input-optional">(optional)</span>' : '';
      const input = plainTextInput.safeParse(block.element);
      const field = input.success
        ? textInputHtml(input.data, block.block_id, block.optional !== true)
        : unsupported(`${block.element.type} element`);
      const hint = block.hint ? `<div class="input-hint">${plainHtml(block.hint)}</div>` : '';
      // Only a real field gets a <label> around it; an element we can't show gets its caption alone.
      const labelled = input.success
        ? `<label class="input-label">${plainHtml(block.label)}${optional}${field}</label>`
        : `<div class="input-label">${plainHtml(block.label)}${optional}</div>${field}`;
      return `<div ${attrs}>${labelled}${hint}<div class="input-error" hidden></div></div>`;
    }
  }
}

/** Renders Block Kit blocks to HTML, one line per block; blocks it can't show become a visible note, not an error. */
export function renderBlocks(blocks: readonly unknown[], ctx: RenderContext): string {
  return blocks
    .map((raw) => {
      const parsed = renderedBlock.safeParse(raw);
      if (parsed.success) return renderBlock(parsed.data, ctx);
      const type = typeof raw === 'object' && raw !== null && 'type' in raw ? String(raw.type) : 'unknown';
      return `<div class="block block-unsupported">${unsupported(`${type} block`)}</div>`;
    })
    .join('\n');
}
