import { z } from 'zod';
import { ConfigError } from '../errors.js';

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const intFrom = (def: number, min: number, max: number) =>
  z
    .string()
    .trim()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return def;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `expected a whole number from ${min} to ${max}, got "${v}"` });
        return z.NEVER;
      }
      return n;
    });

const envSchema = z.object({
  ROLE: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v === '' ? 'all' : v))
    .pipe(z.enum(['all', 'bot', 'worker'], { message: 'expected one of all, bot, worker' })),
  PORT: intFrom(3000, 0, 65535),
  HOST: optionalString,
  SLACK_BOT_TOKEN: optionalString.pipe(
    z.string().startsWith('xox', { message: 'expected a bot token starting with xoxb-' }).optional(),
  ),
  SLACK_SIGNING_SECRET: optionalString,
  SLACK_APP_TOKEN: optionalString.pipe(
    z.string().startsWith('xapp-', { message: 'expected an app-level token starting with xapp-' }).optional(),
  ),
  SLACK_API_URL: optionalString.pipe(z.url({ message: 'expected a URL such as https://slack.com/api/' }).optional()),
  /** The local Slack playground (started when no Slack setting is given): its port, and its bind address. */
  PLAYGROUND_PORT: intFrom(3001, 0, 65535),
  PLAYGROUND_HOST: optionalString,
  REDIS_URL: optionalString.pipe(
    z
      .string()
      .regex(/^rediss?:\/\//, { message: 'expected redis://host:port or rediss://host:port' })
      .optional(),
  ),
  DATABASE_URL: optionalString.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, { message: 'expected postgres://user@host:port/db' })
      .optional(),
  ),
  DATA_DIR: optionalString,
  OPS_CONFIG: optionalString,
  QUEUE_NAME: optionalString.pipe(
    z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, { message: 'expected letters, digits, _ or - (no ":")' })
      .optional(),
  ),
  QUEUE_PREFIX: optionalString.pipe(
    z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, { message: 'expected letters, digits, _ or -' })
      .optional(),
  ),
  STORE_SCHEMA: optionalString.pipe(
    z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/, { message: 'expected a lowercase SQL identifier' })
      .optional(),
  ),
  WORKER_CONCURRENCY: intFrom(4, 1, 256),
  SHUTDOWN_TIMEOUT_MS: intFrom(30_000, 0, 3_600_000),
  /** BullMQ lock TTL: a crashed worker's job is handed to another after about this long. */
  WORKER_LOCK_DURATION_MS: intFrom(30_000, 500, 600_000),
  WORKER_STALLED_INTERVAL_MS: intFrom(30_000, 250, 600_000),
  /** A schedule tick run this long after its fire time (every instance was down) is posted marked as late. */
  SCHEDULE_LATE_AFTER_MS: intFrom(60_000, 100, 86_400_000),
  /** How often, and after how long, final messages never confirmed by Slack are re-delivered. */
  REPORT_REDELIVERY_MS: intFrom(15_000, 100, 600_000),
  REPORT_REDELIVERY_GRACE_MS: intFrom(30_000, 0, 3_600_000),
  /** How often, and after how long, alert group messages left behind (an instance died, Slack was down) are delivered. */
  ALERT_SWEEP_MS: intFrom(10_000, 100, 600_000),
  ALERT_SWEEP_GRACE_MS: intFrom(20_000, 0, 3_600_000),
  /** How often each instance sweeps for expired approval requests. */
  APPROVAL_SWEEP_MS: intFrom(15_000, 100, 600_000),
  JOB_RETENTION_COMPLETED: intFrom(1000, 0, 1_000_000),
  JOB_RETENTION_FAILED: intFrom(5000, 0, 1_000_000),
  JOB_RETENTION_AGE_SECONDS: intFrom(7 * 24 * 3600, 60, 365 * 24 * 3600),
  LOG_LEVEL: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v === '' ? 'info' : v))
    .pipe(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])),
});

/** Validated process environment. */
export type Env = z.infer<typeof envSchema>;

/** Parses the environment; a bad value throws a ConfigError naming the variable and what was expected. */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const parsed = envSchema.safeParse(source);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => {
    const name = issue.path.join('.');
    return `  ${name}=${JSON.stringify(source[name] ?? '')}: ${issue.message}`;
  });
  throw new ConfigError(`Invalid environment:\n${lines.join('\n')}`);
}
