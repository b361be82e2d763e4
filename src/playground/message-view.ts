import type { ChannelMessage } from './channel.js';
import { isInlineImage, type StoredFile } from './file-store.js';
import { escapeHtml } from './html.js';
import { renderMrkdwn } from './mrkdwn.js';
import { type RenderContext, renderBlocks } from './render-blocks.js';
import { displayName, slackbotId, type Workspace } from './workspace.js';

/** One message as the page receives it: where it goes, and its HTML (escaped and rendered on the server). */
export interface MessageView {
  ts: string;
  /** Set for thread replies: the root's ts. */
  threadTs?: string;
  html: string;
}

/** Names and file URLs for rendering messages in this workspace. */
export function renderContext(ws: Workspace): RenderContext {
  return {
    userName: (id) => displayName(ws, id),
    channelName: (id) => (id === ws.channel.id ? ws.channel.name : undefined),
    fileUrl: (id) => `/files/${encodeURIComponent(id)}`,
  };
}

function hue(id: string): number {
  let h = 0;
  for (const ch of id) h = (h * 31 + ch.charCodeAt(0)) % 360;
  return h;
}

function clock(ts: string): string {
  return new Date(Number(ts.split('.')[0]) * 1000).toISOString().slice(11, 16);
}

function sizeLabel(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function fileHtml(file: StoredFile): string {
  const url = escapeHtml(`/files/${encodeURIComponent(file.id)}/${encodeURIComponent(file.name)}`);
  const title = escapeHtml(file.title);
  if (isInlineImage(file)) {
    return `<a class="file file-image" href="${url}" target="_blank" rel="noopener"><img src="${url}" alt="${escapeHtml(file.altText ?? file.title)}"><span class="file-caption">${title}</span></a>`;
  }
  return `<a class="file file-download" href="${url}" download><span class="file-icon">📄</span><span class="file-name">${title}</span><span class="file-size">${escapeHtml(file.filetype.toUpperCase())} · ${sizeLabel(file.bytes.length)}</span></a>`;
}

/** Renders a message for a viewer: avatar, author, time, content (blocks, or text as mrkdwn), files and replies. */
export function renderMessageView(ws: Workspace, message: ChannelMessage): MessageView {
  const ctx = renderContext(ws);
  const isBot = message.botId !== undefined;
  const author = ctx.userName(message.user) ?? message.user;
  const classes = ['msg', isBot ? 'msg-bot' : '', message.ephemeralTo !== undefined ? 'msg-ephemeral' : ''].filter(
    Boolean,
  );
  const avatar =
    message.user === slackbotId
      ? '<div class="avatar avatar-slackbot" aria-hidden="true">💬</div>'
      : `<div class="avatar${isBot ? ' avatar-bot' : ''}" style="--hue:${hue(message.user)}" aria-hidden="true">${escapeHtml(author.slice(0, 1).toUpperCase())}</div>`;
  const badge = isBot ? '<span class="badge">APP</span>' : '';
  const edited = message.edited ? '<span class="edited">(edited)</span>' : '';
  const content =
    message.blocks !== undefined && message.blocks.length > 0
      ? renderBlocks(message.blocks, ctx)
      : message.text === ''
        ? ''
        : `<div class="mrkdwn">${renderMrkdwn(message.text, ctx)}</div>`;
  const files = message.fileIds.flatMap((id) => {
    const file = ws.files.get(id);
    return file ? [fileHtml(file)] : [];
  });
  const filesHtml = files.length > 0 ? `<div class="files">${files.join('')}</div>` : '';
  const note = message.ephemeralTo !== undefined ? '<div class="ephemeral-note">👁 Only visible to you</div>' : '';
  let replies = '';
  if (message.threadTs === undefined) {
    const thread = ws.channel.replies(message.ts);
    const last = thread.at(-1);
    if (last) {
      const label = `${thread.length} ${thread.length === 1 ? 'reply' : 'replies'}`;
      replies = `<button type="button" class="replies" data-thread-ts="${escapeHtml(message.ts)}">${label}</button><span class="replies-last">Last reply <time data-ts="${escapeHtml(last.ts)}">${clock(last.ts)}</time></span>`;
      replies = `<div class="replies-bar">${replies}</div>`;
    }
  }
  const html =
    `<div class="${classes.join(' ')}" data-ts="${escapeHtml(message.ts)}">${avatar}<div class="msg-main">` +
    `<div class="msg-meta"><span class="author">${escapeHtml(author)}</span>${badge}<time data-ts="${escapeHtml(message.ts)}">${clock(message.ts)}</time>${edited}</div>` +
    `<div class="msg-content">${content}</div>${filesHtml}${note}${replies}</div></div>`;
  const view: MessageView = { ts: message.ts, html };
  if (message.threadTs !== undefined) view.threadTs = message.threadTs;
  return view;
}
