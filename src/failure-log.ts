import { OutsideAnswer, UserError } from './errors.js';
import { StepTimeout } from './jobs/deadline.js';
import { scrubSecrets } from './log.js';

/**
 * Whose failure it is: `fault` is our own (a bug, an unexpected exception); `outside` is another system's answer
 * (PostgreSQL, S3, Kubernetes, Slack, Redis, a tool, the network) or its silence; `refusal` is bad input we turned
 * down.
 */
export type FailureOrigin = 'fault' | 'outside' | 'refusal';

/** What a failure is, as far as logging cares. */
export interface FailureKind {
  origin: FailureOrigin;
  /** The system that answered, for outside failures: postgresql, s3, kubernetes, slack, redis, network, … */
  system?: string;
  /** That system's own code for its answer: a SQLSTATE, an S3 error name, an HTTP status, a Slack error. */
  code?: string;
}

/** How one failure is logged: the level and the fields that describe it. */
export interface FailureLog {
  level: 'error' | 'warn' | 'info';
  /** `{ err }` (with its stack) for our faults; a one-line `cause` with `system` and `code` for the rest. */
  fields: Record<string, unknown>;
}

/**
 * SQLSTATE classes that describe the server's situation rather than our statement: connection (08), transaction
 * state such as a read-only replica (25), authorization (28), database or schema missing (3D, 3F), rollbacks such as
 * deadlocks (40), locks and prerequisites (55), resources (53), operator intervention and cancels (57), system (58),
 * and internal errors (XX). Anything else (a syntax error, a type mismatch) is a statement we got wrong.
 */
const serverStateClasses = new Set(['08', '25', '28', '3D', '3F', '40', '53', '55', '57', '58', 'XX']);
/** Single SQLSTATEs that are the target's state: a privilege it does not grant, a table it does not have. */
const serverStateCodes = new Set(['42501', '42P01']);

/** Slack error codes that say our request was malformed: a bug of ours, however politely Slack says it. */
const slackRequestFaults = new Set([
  'invalid_arguments',
  'invalid_arg_name',
  'invalid_array_arg',
  'invalid_blocks',
  'invalid_blocks_format',
  'invalid_attachments',
  'invalid_charset',
  'invalid_form_data',
  'invalid_json',
  'json_not_object',
  'msg_too_long',
  'no_text',
  'too_many_attachments',
]);

/** Node's and undici's codes for a peer that refused, vanished, timed out or presented a bad certificate. */
const networkCodes =
  /^(ECONNREFUSED|ECONNRESET|ECONNABORTED|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|EPIPE|UND_ERR_\w+|CERT_\w+|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_\w+|ERR_TLS_\w+|ERR_SSL_\w+)$/;

function field(value: unknown, key: string): unknown {
  return value !== null && typeof value === 'object' ? Reflect.get(value, key) : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** What one error (not its causes) says about itself; undefined when it is not a recognised outside answer. */
function outsideAnswer(err: unknown): FailureKind | undefined {
  if (err instanceof OutsideAnswer) return { origin: 'outside', system: err.system, code: err.code };
  if (!(err instanceof Error)) return undefined;
  const code = field(err, 'code');
  // pg's DatabaseError: a SQLSTATE and a severity.
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && typeof field(err, 'severity') === 'string') {
    const ours = !serverStateClasses.has(code.slice(0, 2)) && !serverStateCodes.has(code);
    return { origin: ours ? 'fault' : 'outside', system: 'postgresql', code };
  }
  // The AWS SDK's service exceptions carry $metadata and $fault (AccessDenied, NoSuchBucket, …).
  if (field(err, '$metadata') !== undefined && field(err, '$fault') !== undefined) {
    return { origin: 'outside', system: 's3', code: err.name };
  }
  if (err.name === 'KubeApiError' && typeof code === 'number') {
    return { origin: 'outside', system: 'kubernetes', code: String(code) };
  }
  // @slack/web-api's errors: slack_webapi_platform_error (ok:false), _rate_limited_error, _http_error, _request_error.
  if (typeof code === 'string' && code.startsWith('slack_webapi_')) {
    const slackError = text(field(field(err, 'data'), 'error'));
    const status = field(err, 'statusCode');
    if (slackError && slackRequestFaults.has(slackError)) return { origin: 'fault', system: 'slack', code: slackError };
    if (code === 'slack_webapi_rate_limited_error') return { origin: 'outside', system: 'slack', code: '429' };
    return {
      origin: 'outside',
      system: 'slack',
      code: slackError ?? (typeof status === 'number' ? String(status) : code),
    };
  }
  if (err.name === 'ReplyError' || err.name === 'MaxRetriesPerRequestError') {
    return { origin: 'outside', system: 'redis', code: err.name };
  }
  if (err.name === 'ToolError') {
    const tool = text(field(err, 'tool'));
    return { origin: 'outside', system: tool ?? 'tool', code: String(field(err, 'exitCode')) };
  }
  if (err.name === 'TimeoutError' || err instanceof StepTimeout) return { origin: 'outside', system: 'timeout' };
  if (typeof code === 'string' && networkCodes.test(code)) return { origin: 'outside', system: 'network', code };
  return undefined;
}

/** The errors an error stands for: itself, then its causes (and an AggregateError's members), breadth first. */
function chainOf(err: unknown): unknown[] {
  const out: unknown[] = [];
  const queue: unknown[] = [err];
  while (queue.length > 0 && out.length < 16) {
    const next = queue.shift();
    if (next === undefined || out.includes(next)) continue;
    out.push(next);
    if (next instanceof AggregateError) queue.push(...next.errors);
    if (next instanceof Error && next.cause !== undefined) queue.push(next.cause);
  }
  return out;
}

/** The errors JavaScript throws for code that is wrong, rather than for a world that said no. */
function isProgrammingError(err: unknown): boolean {
  return (
    err instanceof TypeError ||
    err instanceof ReferenceError ||
    err instanceof RangeError ||
    err instanceof SyntaxError ||
    (err instanceof Error && err.name === 'AssertionError')
  );
}

/**
 * Says whose failure an error is. An outside answer anywhere in its cause chain makes it outside (our wrappers add
 * the call they made); a programming error anywhere in it (a TypeError wrapped into a UserError, say) stays our bug;
 * a UserError is a refusal, or an outside failure when it says a target is unavailable; anything else is ours.
 */
export function classifyFailure(err: unknown): FailureKind {
  const chain = chainOf(err);
  for (const e of chain) {
    const answer = outsideAnswer(e);
    if (answer) return answer;
  }
  if (chain.some(isProgrammingError)) return { origin: 'fault' };
  if (err instanceof UserError) {
    return err.code === 'unavailable' ? { origin: 'outside', system: 'target' } : { origin: 'refusal', code: err.code };
  }
  return { origin: 'fault' };
}

/** A message as one line: whitespace (pg_dump's and psql's multi-line stderr included) collapsed, secrets scrubbed. */
export function oneLine(message: string, max = 500): string {
  const line = scrubSecrets(message).replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/**
 * How to log a failure: our own faults at `error` with the error and its stack; an outside system's answer at
 * `warn` and a refusal at `info`, each with its cause in one line and no stack.
 */
export function failureLog(err: unknown): FailureLog {
  const kind = classifyFailure(err);
  if (kind.origin === 'fault') return { level: 'error', fields: { err } };
  const message = err instanceof Error ? err.message : String(err);
  return {
    level: kind.origin === 'outside' ? 'warn' : 'info',
    fields: { origin: kind.origin, system: kind.system, code: kind.code, cause: oneLine(message) },
  };
}
