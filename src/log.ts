import pino, { type Logger } from 'pino';

/** Paths pino blanks in every log line: tokens, passwords and connection strings never reach the logs. */
const redactPaths = [
  'token',
  '*.token',
  'password',
  '*.password',
  'secret',
  '*.secret',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'url',
  '*.url',
  'connectionString',
  '*.connectionString',
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_APP_TOKEN',
  'DATABASE_URL',
  'REDIS_URL',
];

const credentialInUrl = /([a-z][a-z0-9+.-]*:\/\/)([^:@/\s]+):([^@/\s]+)@/gi;
const slackToken = /xox[abposr]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+/g;

/** Strips credentials from free text (error messages can quote a connection string). */
export function scrubSecrets(text: string): string {
  return text.replace(credentialInUrl, '$1$2:***@').replace(slackToken, 'xox?-***');
}

/** The process logger: JSON lines with secrets redacted. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: redactPaths, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
      hooks: {
        logMethod(args, method) {
          const scrubbed = args.map((a) => (typeof a === 'string' ? scrubSecrets(a) : a));
          method.apply(this, scrubbed as Parameters<typeof method>);
        },
      },
      serializers: {
        err: (err: unknown) => {
          const s = pino.stdSerializers.err(err instanceof Error ? err : new Error(String(err)));
          return { ...s, message: scrubSecrets(s.message), stack: s.stack ? scrubSecrets(s.stack) : undefined };
        },
      },
    },
    destination,
  );
}

export type { Logger };
