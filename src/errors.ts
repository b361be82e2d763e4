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

/** An error whose message is written for the user and may be shown in Slack as-is. */
export class UserError extends Error {
  readonly code: UserErrorCode;
  constructor(code: UserErrorCode, message: string) {
    super(message);
    this.name = 'UserError';
    this.code = code;
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
