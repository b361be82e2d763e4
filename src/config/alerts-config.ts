import { z } from 'zod';

const optional = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const channelId = z.string().regex(/^[CG][A-Z0-9]{2,}$/, { message: 'expected a channel ID (C…/G…)' });
/** A channel that may come from `${VAR:-}`: empty means "no channel", and the route is skipped. */
const optionalChannel = optional.pipe(channelId.optional());
const labelName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'expected a Prometheus label name' });

/** A runbook suggested for an alert: the command text as typed after the slash command, `{label}` filled in. */
const suggestion = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/^[a-z][a-z0-9 ._:/{}=,*-]*$/i, {
    message: 'expected command text such as "backup verify" or "errors --since 1h"',
  });

const routeSchema = z
  .object({
    /** Labels that must all equal these values (service, environment, severity or any other). */
    match: z.record(labelName, z.string()).default({}),
    channel: optionalChannel,
  })
  .strict();

const runbooksSchema = z
  .object({
    /** The alert name this entry is for (the `alertname` label). */
    alert: z.string().min(1),
    /** Buttons on the alert's message: each runs the command as if the clicker had typed it. */
    suggest: z.array(suggestion).max(5).default([]),
    /** Read-only runbooks run by themselves when the group first fires; the report goes into the alert's thread. */
    diagnose: z.array(suggestion).max(3).default([]),
  })
  .strict();

/** The `alerts` section: Alertmanager's webhook into Slack, with runbooks one click away. */
export const alertsConfigSchema = z
  .object({
    webhook: z
      .object({
        /** What Alertmanager's `http_config.authorization.credentials` sends as `Authorization: Bearer …`. */
        bearerToken: optional,
        /** Or `http_config.basic_auth`. */
        basicAuth: z.object({ username: optional, password: optional }).strict().optional(),
        /** Bodies past this are refused with 413 (Alertmanager's own notifications are a few KiB a group). */
        maxBodyBytes: z
          .number()
          .int()
          .min(1024)
          .max(16 * 1024 * 1024)
          .default(1024 * 1024),
      })
      .strict()
      .default({ maxBodyBytes: 1024 * 1024 }),
    /** Alertmanager's API (for silences and `alerts`), e.g. http://alertmanager:9093. */
    alertmanagerUrl: optional.pipe(
      z
        .string()
        .regex(/^https?:\/\//, { message: 'expected a URL like http://alertmanager:9093' })
        .optional(),
    ),
    /** The labels that say which service and environment an alert is about. */
    labels: z
      .object({ service: labelName.default('service'), environment: labelName.default('environment') })
      .strict()
      .default({ service: 'service', environment: 'environment' }),
    /** Label value → service key, where they differ (e.g. `vcci-api: vcci`). */
    serviceAliases: z.record(z.string(), z.string()).default({}),
    /** First matching route with a channel wins. */
    routes: z.array(routeSchema).max(50).default([]),
    runbooks: z.array(runbooksSchema).max(200).default([]),
  })
  .strict();

/** The validated `alerts` section. */
export type AlertsConfig = z.infer<typeof alertsConfigSchema>;
