import type { IncomingMessage, ServerResponse } from 'node:http';
import { Channel, type ChannelChange } from './channel.js';
import { type MessageView, renderMessageView } from './message-view.js';
import { type ModalViewHtml, renderModalView } from './modal-view.js';
import type { Workspace } from './workspace.js';

/** What a page receives on its event stream. */
export type LiveEvent =
  | { type: 'reset'; messages: MessageView[] }
  | { type: 'upsert'; message: MessageView }
  | { type: 'remove'; ts: string }
  | { type: 'modal'; view: ModalViewHtml }
  | { type: 'modal-close'; id: string };

/** Proxies and browsers drop idle streams; a comment line now and then keeps one open. */
const heartbeatMs = 15_000;

/**
 * Server-sent events, one stream per open page and user. A page first gets every message its user can see (and
 * their open modal), then each change as it happens; ephemeral messages and modals reach only their user.
 */
export class LiveUpdates {
  private readonly streams = new Set<ServerResponse>();

  constructor(private readonly ws: Workspace) {}

  /** Opens a stream for `userId` on this response; it lasts until the page goes away or close() is called. */
  subscribe(req: IncomingMessage, res: ServerResponse, userId: string): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
    });
    const send = (event: LiveEvent) => res.write(`data: ${JSON.stringify(event)}\n\n`);
    const messages = this.ws.channel.visibleTo(userId).map((m) => renderMessageView(this.ws, m));
    send({ type: 'reset', messages });
    const modal = this.ws.modals.openFor(userId);
    if (modal) send({ type: 'modal', view: renderModalView(this.ws, modal) });
    const stopMessages = this.ws.channel.onChange((change: ChannelChange) => {
      if (!Channel.visible(change.message, userId)) return;
      if (change.kind === 'upsert') send({ type: 'upsert', message: renderMessageView(this.ws, change.message) });
      else send({ type: 'remove', ts: change.message.ts });
    });
    const stopModals = this.ws.modals.onChange((change) => {
      if (change.modal.userId !== userId) return;
      if (change.kind === 'open') send({ type: 'modal', view: renderModalView(this.ws, change.modal) });
      else send({ type: 'modal-close', id: change.modal.id });
    });
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), heartbeatMs);
    heartbeat.unref();
    this.streams.add(res);
    const end = () => {
      clearInterval(heartbeat);
      stopMessages();
      stopModals();
      this.streams.delete(res);
    };
    req.once('close', end);
    res.once('close', end);
  }

  /** Ends every open stream (at shutdown, so the server can close). */
  close(): void {
    for (const res of this.streams) res.end();
    this.streams.clear();
  }
}
