import { escapeHtml } from './html.js';
import type { Workspace } from './workspace.js';

/** What the page script needs to know, embedded as JSON in the page. */
export interface PageConfig {
  channel: { id: string; name: string };
  users: { id: string; name: string; role: string }[];
  commands: string[];
  botName: string;
  teamName: string;
}

/** JSON safe inside a <script> element: `<` can't close it. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

/** The single page: a Slack-like channel whose script and styles are served from /static. */
export function renderPage(ws: Workspace): string {
  const config: PageConfig = {
    channel: { id: ws.channel.id, name: ws.channel.name },
    users: ws.users.map((u) => ({ id: u.id, name: u.name, role: u.role })),
    commands: [...(ws.commands ?? [])],
    botName: ws.bot.name,
    teamName: ws.team.name,
  };
  const channel = escapeHtml(ws.channel.name);
  const topic = ws.commands?.length ? `@${ws.bot.name} · ${ws.commands.join(' ')}` : `@${ws.bot.name}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>#${channel} · ${escapeHtml(ws.team.name)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/static/shell.css">
<link rel="stylesheet" href="/static/messages.css">
<link rel="stylesheet" href="/static/blocks.css">
<link rel="stylesheet" href="/static/dialogs.css">
</head>
<body>
<div class="app">
  <aside class="sidebar">
    <div class="workspace"><span class="workspace-name">${escapeHtml(ws.team.name)}</span><span class="workspace-sub">local Slack playground</span></div>
    <div class="side-section">Channels</div>
    <div class="side-channel active"><span class="hash">#</span>${channel}</div>
    <div class="side-section">You are</div>
    <select id="user-select" class="user-select" aria-label="Act as user"></select>
    <p class="side-hint">Switch user to try roles and approvals. Commands and clicks reach the bot as signed Slack requests.</p>
  </aside>
  <main class="channel">
    <header class="channel-header">
      <h1><span class="hash">#</span>${channel}</h1>
      <span class="topic">${escapeHtml(topic)}</span>
      <span id="connection" class="connection" data-state="connecting">connecting…</span>
    </header>
    <div id="messages" class="messages" aria-live="polite"></div>
    <form id="composer" class="composer" autocomplete="off">
      <div id="command-hints" class="command-hints" hidden></div>
      <div class="composer-box">
        <textarea id="composer-input" rows="1" placeholder="Message #${channel} — try /thermaliq health"></textarea>
        <button type="submit" class="send" aria-label="Send">➤</button>
      </div>
      <div id="composer-status" class="composer-status" aria-live="polite"></div>
    </form>
  </main>
  <aside id="thread" class="thread" hidden>
    <header class="thread-header">
      <h2>Thread</h2><span class="thread-channel">#${channel}</span>
      <button type="button" id="thread-close" class="thread-close" aria-label="Close thread">×</button>
    </header>
    <div id="thread-messages" class="messages thread-messages"></div>
    <form id="thread-composer" class="composer" autocomplete="off">
      <div class="composer-box">
        <textarea id="thread-input" rows="1" placeholder="Reply…"></textarea>
        <button type="submit" class="send" aria-label="Send reply">➤</button>
      </div>
    </form>
  </aside>
</div>
<dialog id="confirm-dialog" class="confirm-dialog">
  <form method="dialog">
    <h2 class="confirm-title"></h2>
    <div class="confirm-text"></div>
    <div class="confirm-buttons">
      <button value="deny" class="btn confirm-deny"></button>
      <button value="confirm" class="btn btn-primary confirm-accept"></button>
    </div>
  </form>
</dialog>
<dialog id="modal-dialog" class="modal-dialog" aria-label="App modal"></dialog>
<div id="toast" class="toast" hidden></div>
<script type="application/json" id="playground-config">${scriptJson(config)}</script>
<script type="module" src="/static/playground.js"></script>
</body>
</html>
`;
}
