import { randomBytes } from 'node:crypto';

/** Stable codes for errors whose message is safe to show a Slack user. */
export type UserErrorCode =
  | 'unknown_command'
  | 'invalid_arguments'
  | 'forbidden'
  | 'channel_not_allowed'
  | 'unknown_environment'
  | 'unknown_service'
  | 'not_found'
  | 'unavailable'
  | 'conflict';

/**
 * An error whose message is written for the user and may be shown in Slack as-is. `cause` keeps what it was made
 * from (a PostgreSQL or S3 error, say), so the log can tell an outside system's answer from a bug of ours.
 */
export class UserError extends Error {
  readonly code: UserErrorCode;
  constructor(code: UserErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UserError';
    this.code = code;
  }
}

/**
 * Another system's answer (an HTTP status, an error body, silence past a timeout): the log records it as that
 * system's answer, at warn in one line, never as a bug of ours. `code` is the system's own: a status, an error type.
 */
export class OutsideAnswer extends Error {
  readonly system: string;
  readonly code: string | undefined;
  constructor(system: string, message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OutsideAnswer';
    this.system = system;
    this.code = options.code;
  }
}

/** A configuration problem found at boot: names the exact variable or YAML path and what was expected. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** A short id that ties a user-facing failure message to its log line. */
export function newErrorId(): string {
  return `E${randomBytes(4).toString('hex').toUpperCase()}`;
}

/** The message of any thrown value, without assuming it is an Error. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
