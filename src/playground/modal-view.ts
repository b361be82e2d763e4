import { escapeHtml } from './html.js';
import { renderContext } from './message-view.js';
import type { OpenModal } from './modals.js';
import { renderBlocks } from './render-blocks.js';
import type { Workspace } from './workspace.js';

/** A modal as the page receives it. */
export interface ModalViewHtml {
  id: string;
  html: string;
}

/** Renders a modal like Slack's: title and ×, the blocks, then Cancel and Submit. */
export function renderModalView(ws: Workspace, modal: OpenModal): ModalViewHtml {
  const v = modal.view;
  const submit = v.submit
    ? `<button type="button" class="btn btn-primary modal-submit">${escapeHtml(v.submit.text)}</button>`
    : '';
  const html =
    `<div class="modal-view" data-view-id="${escapeHtml(modal.id)}">` +
    `<header class="modal-header"><h2>${escapeHtml(v.title.text)}</h2>` +
    `<button type="button" class="modal-x modal-close" aria-label="Close">×</button></header>` +
    `<div class="modal-body">${renderBlocks(modal.blocks, renderContext(ws))}</div>` +
    `<div class="modal-error" hidden></div>` +
    `<footer class="modal-footer"><button type="button" class="btn modal-close">${escapeHtml(v.close?.text ?? 'Cancel')}</button>${submit}</footer>` +
    `</div>`;
  return { id: modal.id, html };
}
