import { signRequest } from './slack-signature.js';
import type { Workspace } from './workspace.js';

/** Slack waits this long for an app to acknowledge a command or interaction, then reports operation_timeout. */
export const ackTimeoutMs = 3000;

/** How the bot answered a request: its ack, or the error Slack would show the user. */
export type BotAnswer =
  | { kind: 'acked'; contentType: string; body: string }
  | { kind: 'failed'; error: 'dispatch_failed' | 'operation_timeout'; detail: string };

/** POSTs a signed form body to the bot's events URL, as Slack does, and classifies the answer. */
export async function deliverToBot(ws: Workspace, body: string, timeoutMs = ackTimeoutMs): Promise<BotAnswer> {
  const url = ws.botEventsUrl;
  if (url === undefined)
    return { kind: 'failed', error: 'dispatch_failed', detail: 'the bot has not connected to the playground yet' };
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { ...signRequest(ws.signingSecret, body), 'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)' },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const timedOut = err instanceof Error && err.name === 'TimeoutError';
    ws.log.warn({ err, url }, 'playground could not deliver a request to the bot');
    return timedOut
      ? { kind: 'failed', error: 'operation_timeout', detail: `no answer within ${timeoutMs} ms` }
      : { kind: 'failed', error: 'dispatch_failed', detail: err instanceof Error ? err.message : String(err) };
  }
  const text = await response.text();
  if (response.status !== 200) {
    ws.log.warn({ status: response.status, url }, 'the bot refused a playground request');
    return { kind: 'failed', error: 'dispatch_failed', detail: `HTTP ${response.status}` };
  }
  return { kind: 'acked', contentType: response.headers.get('content-type') ?? '', body: text };
}
