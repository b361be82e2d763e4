// The playground page. Message HTML is rendered and escaped by the server (src/playground/render-blocks.ts); this
// script only places it, keeps it live from the event stream, and sends what people type and click.

import { confirmWith, createModal } from './dialogs.js';
import { fromHtml } from './dom.js';

const config = JSON.parse(document.getElementById('playground-config').textContent);
const $ = (id) => document.getElementById(id);

const els = {
  messages: $('messages'),
  thread: $('thread'),
  threadMessages: $('thread-messages'),
  userSelect: $('user-select'),
  connection: $('connection'),
  composer: $('composer'),
  input: $('composer-input'),
  status: $('composer-status'),
  hints: $('command-hints'),
  threadComposer: $('thread-composer'),
  threadInput: $('thread-input'),
  dialog: $('confirm-dialog'),
  modal: $('modal-dialog'),
  toast: $('toast'),
};

/** Every message this user can see, by ts: { ts, threadTs?, html }. */
const views = new Map();
let user = pickUser(new URLSearchParams(location.search).get('user'));
let openThreadTs = null;
let source = null;
const modal = createModal(els.modal, (path, body) => post(path, body));

function pickUser(id) {
  return config.users.some((u) => u.id === id) ? id : config.users[0].id;
}

function nearBottom(container) {
  return container.scrollHeight - container.scrollTop - container.clientHeight < 80;
}

/** Puts a message element into a list in ts order, replacing the one with the same ts. */
function place(container, ts, el) {
  const stick = nearBottom(container);
  const existing = container.querySelector(`:scope > [data-ts="${CSS.escape(ts)}"]`);
  if (existing) {
    existing.replaceWith(el);
  } else {
    const after = [...container.children].find((child) => child.dataset.ts > ts);
    container.insertBefore(el, after ?? null);
  }
  // Like Slack, a reader at the bottom stays there as messages arrive or grow; one reading history is left alone.
  if (stick) container.scrollTop = container.scrollHeight;
}

function unplace(container, ts) {
  container.querySelector(`:scope > [data-ts="${CSS.escape(ts)}"]`)?.remove();
}

function show(view) {
  if (view.threadTs === undefined) place(els.messages, view.ts, fromHtml(view.html));
  if (openThreadTs !== null && (view.ts === openThreadTs || view.threadTs === openThreadTs)) {
    const el = fromHtml(view.html);
    if (view.ts === openThreadTs) el.classList.add('thread-root');
    place(els.threadMessages, view.ts, el);
  }
}

function renderAll() {
  els.messages.replaceChildren();
  els.threadMessages.replaceChildren();
  for (const view of views.values()) show(view);
  els.messages.scrollTop = els.messages.scrollHeight;
}

function apply(event) {
  if (event.type === 'reset') {
    views.clear();
    for (const view of event.messages) views.set(view.ts, view);
    renderAll();
  } else if (event.type === 'upsert') {
    views.set(event.message.ts, event.message);
    show(event.message);
  } else if (event.type === 'remove') {
    views.delete(event.ts);
    unplace(els.messages, event.ts);
    unplace(els.threadMessages, event.ts);
    if (event.ts === openThreadTs) closeThread();
  } else if (event.type === 'modal') {
    modal.show(event.view);
  } else if (event.type === 'modal-close') {
    modal.hide(event.id);
  }
}

function setConnection(state, text) {
  els.connection.dataset.state = state;
  els.connection.textContent = text;
}

function connect() {
  source?.close();
  setConnection('connecting', 'connecting…');
  source = new EventSource(`/ui/events?user=${encodeURIComponent(user)}`);
  source.onopen = () => setConnection('live', 'live');
  source.onmessage = (message) => apply(JSON.parse(message.data));
  // EventSource reconnects by itself; the reset event that follows brings the page up to date.
  source.onerror = () => setConnection('offline', 'reconnecting…');
}

function openThread(ts) {
  openThreadTs = ts;
  els.thread.hidden = false;
  els.threadMessages.replaceChildren();
  for (const view of views.values()) show(view);
  els.threadMessages.scrollTop = 0;
  els.threadInput.focus();
}

function closeThread() {
  openThreadTs = null;
  els.thread.hidden = true;
  els.threadMessages.replaceChildren();
}

let toastTimer;
function toast(text) {
  els.toast.textContent = text;
  els.toast.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    els.toast.hidden = true;
  }, 6000);
}

async function post(path, body) {
  const response = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user, ...body }),
  });
  const result = await response.json().catch(() => ({ ok: false, error: `HTTP ${response.status}` }));
  if (!result.ok) throw Object.assign(new Error(result.error ?? 'request failed'), { errors: result.errors });
  return result;
}

async function clickAction(button) {
  const message = button.closest('.msg');
  const template = button.parentElement.querySelector(':scope > template.confirm');
  if (template && !(await confirmWith(els.dialog, template))) return;
  if (button.dataset.url) window.open(button.dataset.url, '_blank', 'noopener');
  button.classList.add('pending');
  button.disabled = true;
  try {
    await post('/ui/action', {
      messageTs: message.dataset.ts,
      blockId: button.dataset.blockId,
      actionId: button.dataset.actionId,
    });
  } catch (err) {
    toast(`That click did not reach the bot: ${err.message}`);
  } finally {
    // The message may have been replaced meanwhile; this button then is already gone.
    button.classList.remove('pending');
    button.disabled = false;
  }
}

async function submit(textarea, threadTs) {
  const text = textarea.value.trim();
  if (text === '') return;
  const isCommand = text.startsWith('/');
  textarea.value = '';
  autosize(textarea);
  hideHints();
  if (isCommand) els.status.textContent = `Sending ${text.split(/\s/)[0]}…`;
  try {
    await post(isCommand ? '/ui/command' : '/ui/message', threadTs ? { text, threadTs } : { text });
  } catch (err) {
    textarea.value = text;
    toast(`Not sent: ${err.message}`);
  } finally {
    els.status.textContent = '';
  }
}

function autosize(textarea) {
  textarea.style.height = 'auto';
  textarea.style.height = `${Math.min(textarea.scrollHeight, 200)}px`;
}

function hideHints() {
  els.hints.hidden = true;
  els.hints.replaceChildren();
}

function updateHints() {
  const value = els.input.value;
  const typed = /^\/\S*$/.exec(value)?.[0];
  const matches = typed === undefined ? [] : config.commands.filter((c) => c.startsWith(typed));
  if (matches.length === 0) return hideHints();
  els.hints.replaceChildren(
    ...matches.map((command) => {
      const item = document.createElement('button');
      item.type = 'button';
      item.className = 'command-hint';
      const name = document.createElement('strong');
      name.textContent = command;
      const what = document.createElement('span');
      what.textContent = ` ${config.botName} · try "${command} help"`;
      item.append(name, what);
      item.addEventListener('click', () => {
        els.input.value = `${command} `;
        hideHints();
        els.input.focus();
      });
      return item;
    }),
  );
  els.hints.hidden = false;
}

function setupUsers() {
  for (const u of config.users) {
    const option = document.createElement('option');
    option.value = u.id;
    option.textContent = `${u.name} · ${u.role}`;
    els.userSelect.append(option);
  }
  els.userSelect.value = user;
  els.userSelect.addEventListener('change', () => {
    user = pickUser(els.userSelect.value);
    const url = new URL(location.href);
    url.searchParams.set('user', user);
    history.replaceState(null, '', url);
    closeThread();
    connect();
  });
}

document.addEventListener('click', (event) => {
  const target = event.target instanceof Element ? event.target : null;
  if (target?.closest('#modal-dialog .modal-submit')) return modal.submit();
  if (target?.closest('#modal-dialog .modal-close')) return modal.dismiss();
  const replies = target?.closest('button.replies');
  if (replies) return openThread(replies.dataset.threadTs);
  const action = target?.closest('.msg button.btn[data-action-id]');
  if (action && !action.disabled) clickAction(action);
});

for (const [form, textarea, thread] of [
  [els.composer, els.input, () => undefined],
  [els.threadComposer, els.threadInput, () => openThreadTs ?? undefined],
]) {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit(textarea, thread());
  });
  textarea.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit(textarea, thread());
    }
  });
  textarea.addEventListener('input', () => autosize(textarea));
}
els.input.addEventListener('input', updateHints);
$('thread-close').addEventListener('click', closeThread);
// Esc closes a modal as its Cancel button does.
els.modal.addEventListener('cancel', (event) => {
  event.preventDefault();
  modal.dismiss();
});

setupUsers();
connect();
els.input.focus();
