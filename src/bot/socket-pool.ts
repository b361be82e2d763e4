import type { App, Logger, Receiver, ReceiverEvent } from '@slack/bolt';
import { SocketModeClient } from '@slack/socket-mode';
import type { WebClientOptions } from '@slack/web-api';

/** Options for a Socket Mode receiver that hands connections over. */
export interface SocketPoolOptions {
  appToken: string;
  logger: Logger;
  clientOptions: WebClientOptions;
  /** First wait before trying a lost connection again; doubles up to `maxRetryMs`. */
  retryMs?: number;
  maxRetryMs?: number;
  /** How long `stop` waits for Slack to complete the closing handshakes. */
  stopWaitMs?: number;
}

/** Event a {@link HandoverClient} emits instead of closing when Slack sends `disconnect`. */
const handoverEvent = 'handover_requested';

/** Slack's `disconnect` frame: `{type: 'disconnect', reason}`. */
function disconnectReason(data: string | ArrayBuffer, isBinary: boolean): string | undefined {
  if (isBinary || typeof data !== 'string' || !data.includes('disconnect')) return undefined;
  try {
    const frame: unknown = JSON.parse(data);
    if (typeof frame !== 'object' || frame === null || !('type' in frame) || frame.type !== 'disconnect') {
      return undefined;
    }
    return 'reason' in frame && typeof frame.reason === 'string' ? frame.reason : 'unknown';
  } catch {
    return undefined;
  }
}

/**
 * A Socket Mode connection that stays open when Slack asks it to reconnect. The client library closes the socket the
 * moment it reads `disconnect`, so every envelope Slack sends between that frame and the next connection's `hello`
 * goes unacknowledged. Here the frame only announces the handover; the pool closes this connection once its
 * successor is up (Slack allows up to 10 connections per app and spreads envelopes across them).
 */
class HandoverClient extends SocketModeClient {
  protected override async onWebSocketMessage(data: string | ArrayBuffer, isBinary: boolean): Promise<void> {
    const reason = disconnectReason(data, isBinary);
    if (reason !== undefined) {
      this.emit(handoverEvent, reason);
      return;
    }
    await super.onWebSocketMessage(data, isBinary);
  }
}

/**
 * Bolt receiver for Socket Mode that never leaves a gap: on Slack's `disconnect` (refresh or warning) it opens the
 * next connection first and closes the old one only after the new one said `hello`; a connection lost without
 * warning is replaced with a growing delay. Events from every open connection reach the app, each acked on the
 * connection that delivered it.
 */
export class SocketPoolReceiver implements Receiver {
  private app: App | undefined;
  private readonly live = new Set<HandoverClient>();
  private current: HandoverClient | undefined;
  private replacing: Promise<void> | undefined;
  private stopping = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private wakeRetry: (() => void) | undefined;

  constructor(private readonly options: SocketPoolOptions) {}

  init(app: App): void {
    this.app = app;
  }

  /** Opens the first connection; a failure here (a bad app token) fails the start. */
  async start(): Promise<void> {
    this.stopping = false;
    this.current = await this.connect();
  }

  /** Closes every connection; bounded by `stopWaitMs` when Slack does not complete the closing handshake. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.retryTimer);
    this.wakeRetry?.();
    const closing = [...this.live].map((client) => client.disconnect());
    this.live.clear();
    this.current = undefined;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.options.stopWaitMs ?? 2000);
      timer.unref();
    });
    await Promise.race([Promise.all(closing), deadline]);
    clearTimeout(timer);
  }

  /** Open connections, for the log and tests. */
  connectionCount(): number {
    return this.live.size;
  }

  private async connect(): Promise<HandoverClient> {
    const { logger } = this.options;
    // Reconnection is the pool's job: the library would reconnect a connection the pool is retiring.
    const client = new HandoverClient({
      appToken: this.options.appToken,
      logger,
      clientOptions: { ...this.options.clientOptions },
      autoReconnectEnabled: false,
    });
    client.on('slack_event', (args: SlackEventArgs) => this.deliver(args));
    client.on(handoverEvent, (reason: string) => {
      logger.info(`Slack asked to reconnect (${reason}); opening the next connection before closing this one`);
      this.replace(client);
    });
    client.on('disconnected', () => {
      this.live.delete(client);
      if (client === this.current && !this.stopping) {
        logger.warn('the Socket Mode connection closed unexpectedly; reconnecting');
        this.replace(client);
      }
    });
    this.live.add(client);
    try {
      await client.start();
    } catch (err) {
      this.live.delete(client);
      throw err;
    }
    return client;
  }

  /** Replaces `old` with a new connection, then closes `old`. One replacement at a time. */
  private replace(old: HandoverClient): void {
    if (this.replacing || this.stopping) return;
    this.replacing = this.openSuccessor()
      .then(async (next) => {
        if (!next) return;
        this.current = next;
        if (this.live.delete(old)) await old.disconnect();
      })
      .catch((err: unknown) => this.options.logger.error(`Socket Mode handover failed: ${String(err)}`))
      .finally(() => {
        this.replacing = undefined;
      });
  }

  private async openSuccessor(): Promise<HandoverClient | undefined> {
    let waitMs = this.options.retryMs ?? 1000;
    const maxWaitMs = this.options.maxRetryMs ?? 30_000;
    while (!this.stopping) {
      try {
        const next = await this.connect();
        if (!this.stopping) return next;
        this.live.delete(next);
        await next.disconnect();
        return undefined;
      } catch (err) {
        this.options.logger.warn(`could not open a Socket Mode connection (${String(err)}); retrying in ${waitMs} ms`);
        await new Promise<void>((resolve) => {
          this.wakeRetry = resolve;
          this.retryTimer = setTimeout(resolve, waitMs);
        });
        this.wakeRetry = undefined;
        waitMs = Math.min(waitMs * 2, maxWaitMs);
      }
    }
    return undefined;
  }

  /** Hands one envelope to the app; an ack is sent once, on the connection that delivered the envelope. */
  private async deliver(args: SlackEventArgs): Promise<void> {
    let acked = false;
    const event: ReceiverEvent = {
      body: args.body,
      retryNum: args.retry_num,
      retryReason: args.retry_reason,
      ack: async (response?: unknown) => {
        if (acked) return;
        acked = true;
        await args.ack(response);
      },
    };
    try {
      await this.app?.processEvent(event);
    } catch (err) {
      // Bolt's own receiver logs and leaves the envelope unacked, so Slack retries it; the app's listeners answer
      // users themselves, so this is only reached by an error outside them.
      this.options.logger.error(`an unhandled error while Bolt processed a Socket Mode envelope: ${String(err)}`);
    }
  }
}

/** What SocketModeClient passes to `slack_event` listeners (the fields we use). */
interface SlackEventArgs {
  ack: (response?: unknown) => Promise<void>;
  body: Record<string, unknown>;
  retry_num?: number;
  retry_reason?: string;
}
