// The two kinds of dialog: a button's confirm question, and an app's modal (views.open).

import { fromHtml } from './dom.js';

/** Shows a button's confirm dialog (its <template> holds server-escaped HTML); resolves true when confirmed. */
export function confirmWith(dialog, template) {
  const spec = template.content;
  const copy = (selector) => [...spec.querySelector(selector).cloneNode(true).childNodes];
  dialog.querySelector('.confirm-title').replaceChildren(...copy('.confirm-title'));
  dialog.querySelector('.confirm-text').replaceChildren(...copy('.confirm-text'));
  dialog.querySelector('.confirm-accept').replaceChildren(...copy('.confirm-yes'));
  dialog.querySelector('.confirm-deny').replaceChildren(...copy('.confirm-no'));
  const accept = dialog.querySelector('.confirm-accept');
  accept.classList.toggle('btn-danger', template.dataset.style === 'danger');
  accept.classList.toggle('btn-primary', template.dataset.style !== 'danger');
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'confirm'), { once: true });
  });
}

/**
 * The app's modal in a <dialog>: shown and replaced from the event stream, submitted and closed through `send`
 * (a POST as the current user that rejects with the server's error and field errors).
 */
export function createModal(dialog, send) {
  const hide = (viewId) => {
    if (viewId !== undefined && dialog.dataset.viewId !== viewId) return;
    delete dialog.dataset.viewId;
    if (dialog.open) dialog.close();
    dialog.replaceChildren();
  };

  const showErrors = (message, errors) => {
    const general = dialog.querySelector('.modal-error');
    for (const el of dialog.querySelectorAll('.input-error')) el.hidden = true;
    let shown = false;
    for (const [blockId, text] of Object.entries(errors ?? {})) {
      const slot = dialog.querySelector(`.block-input[data-block-id="${CSS.escape(blockId)}"] .input-error`);
      if (!slot) continue;
      slot.textContent = text;
      slot.hidden = false;
      shown = true;
    }
    if (general) {
      general.textContent = shown ? '' : message;
      general.hidden = shown;
    }
  };

  return {
    /** Shows (or replaces) the modal; its HTML, fields included, comes escaped from the server. */
    show(view) {
      dialog.dataset.viewId = view.id;
      dialog.replaceChildren(fromHtml(view.html));
      if (!dialog.open) dialog.showModal();
      dialog.querySelector('.text-input')?.focus();
    },
    hide,
    /** Sends the fields' text; the server closes the modal, or the app's errors are shown under the fields. */
    async submit() {
      const viewId = dialog.dataset.viewId;
      if (!viewId) return;
      const values = {};
      for (const field of dialog.querySelectorAll('.text-input[data-block-id]')) {
        values[field.dataset.blockId] ??= {};
        values[field.dataset.blockId][field.dataset.actionId] = field.value;
      }
      const button = dialog.querySelector('.modal-submit');
      if (button) button.disabled = true;
      try {
        await send('/ui/view-submit', { viewId, values });
      } catch (err) {
        showErrors(err.message, err.errors);
      } finally {
        if (button) button.disabled = false;
      }
    },
    /** Cancel, × and Esc: the modal goes at once; the server tells the app if it asked to know. */
    dismiss() {
      const viewId = dialog.dataset.viewId;
      hide();
      if (viewId) send('/ui/view-close', { viewId }).catch(() => {});
    },
  };
}
