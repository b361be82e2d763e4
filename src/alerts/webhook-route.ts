import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ExtraRoute } from '../bot/app.js';
import type { AlertsConfig } from '../config/alerts-config.js';
import { messageOf } from '../errors.js';
import type { Logger } from '../log.js';
import { type WebhookPayload, webhookPayloadSchema } from './payload.js';

/** The path Alertmanager's webhook_config posts to. */
export const alertWebhookPath = '/alerts/alertmanager';

class HttpRefusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function same(a: string, b: string): boolean {
  const [x, y] = [Buffer.from(a), Buffer.from(b)];
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Whether the request carries what Alertmanager's http_config was given: the bearer token or the basic auth pair. */
function authorized(config: AlertsConfig['webhook'], header: string | undefined): boolean {
  const bearer = config.bearerToken;
  const basic = config.basicAuth?.username && config.basicAuth.password ? config.basicAuth : undefined;
  if (!bearer && !basic) return false;
  if (!header) return false;
  const [scheme, value = ''] = header.split(' ', 2);
  if (bearer && scheme?.toLowerCase() === 'bearer' && same(value, bearer)) return true;
  if (basic && scheme?.toLowerCase() === 'basic') {
    return same(Buffer.from(value, 'base64').toString('utf8'), `${basic.username}:${basic.password}`);
  }
  return false;
}

function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > max) return Promise.reject(new HttpRefusal(413, `the body is larger than ${max} bytes`));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        reject(new HttpRefusal(413, `the body is larger than ${max} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parse(body: Buffer): WebhookPayload {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new HttpRefusal(400, `the body is not JSON: ${messageOf(err)}`);
  }
  const parsed = webhookPayloadSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'the body';
    throw new HttpRefusal(400, `not an Alertmanager webhook payload (version 4): ${where}: ${issue?.message ?? ''}`);
  }
  return parsed.data;
}

function answer(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/**
 * Alertmanager's webhook receiver (webhook_config, payload version 4). It authenticates with what http_config can
 * send, bounds and validates the body (4xx with the reason, nothing stored), stores the group and answers; Slack is
 * brought up to date after the answer, so a slow Slack never makes Alertmanager retry.
 */
export function alertWebhookRoute(
  config: AlertsConfig,
  receive: (
    payload: WebhookPayload,
  ) => Promise<{ status: number; body: Record<string, unknown>; after?: () => Promise<void> }>,
  log: Logger,
): ExtraRoute {
  return {
    method: 'POST',
    path: alertWebhookPath,
    handler: (req, res) => {
      void (async () => {
        try {
          if (!authorized(config.webhook, req.headers.authorization)) {
            res.setHeader('www-authenticate', 'Bearer realm="alertmanager"');
            throw new HttpRefusal(401, 'missing or wrong credentials (http_config authorization or basic_auth)');
          }
          const type = String(req.headers['content-type'] ?? '');
          if (!/^application\/json\b/i.test(type))
            throw new HttpRefusal(415, 'expected Content-Type: application/json');
          const payload = parse(await readBody(req, config.webhook.maxBodyBytes));
          const outcome = await receive(payload);
          answer(res, outcome.status, outcome.body);
          await outcome.after?.();
        } catch (err) {
          if (err instanceof HttpRefusal) {
            log.info({ status: err.status, reason: err.message }, 'alert webhook refused');
            answer(res, err.status, { error: err.message });
            if (err.status === 413) res.once('finish', () => req.destroy());
          } else {
            log.warn({ cause: messageOf(err) }, 'alert webhook failed; Alertmanager retries it');
            answer(res, 503, { error: 'could not store the alerts; retry' });
          }
        }
      })();
    },
  };
}
