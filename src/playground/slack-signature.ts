import { createHmac, randomBytes } from 'node:crypto';

/** Headers Slack adds to every request it sends an app. */
export interface SignedHeaders {
  'content-type': 'application/x-www-form-urlencoded';
  'x-slack-request-timestamp': string;
  'x-slack-signature': string;
}

/** Signs a body as Slack does: `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<body>`, keyed by the signing secret. */
export function signRequest(
  signingSecret: string,
  body: string,
  timestamp = Math.floor(Date.now() / 1000),
): SignedHeaders {
  const signature = createHmac('sha256', signingSecret).update(`v0:${timestamp}:${body}`).digest('hex');
  return {
    'content-type': 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': `v0=${signature}`,
  };
}

/** A Slack-shaped trigger_id (`<digits>.<digits>.<hex>`), unique per interaction. */
export function newTriggerId(): string {
  const digits = () => String(Math.floor(Math.random() * 1e13)).padStart(13, '0');
  return `${digits()}.${digits()}.${randomBytes(16).toString('hex')}`;
}
