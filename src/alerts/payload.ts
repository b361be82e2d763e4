import { z } from 'zod';

const labels = z.record(z.string(), z.string());

/** One alert of a notification, as Alertmanager's webhook_config sends it. */
const alertSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  labels,
  annotations: labels.default({}),
  startsAt: z.iso.datetime({ offset: true }),
  // Zero time ("0001-01-01T00:00:00Z") while firing without an end.
  endsAt: z.string().default(''),
  generatorURL: z.string().default(''),
  fingerprint: z.string().regex(/^[0-9a-f]{1,32}$/, { message: 'expected a hex fingerprint' }),
});

/** Alertmanager's webhook payload, version 4 (the only version Alertmanager has sent since 0.x). */
export const webhookPayloadSchema = z.object({
  version: z.literal('4', { message: 'expected version "4" (Alertmanager webhook payload)' }),
  groupKey: z.string().min(1).max(2000),
  truncatedAlerts: z.number().int().min(0).default(0),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string().default(''),
  groupLabels: labels.default({}),
  commonLabels: labels.default({}),
  commonAnnotations: labels.default({}),
  externalURL: z.string().default(''),
  alerts: z.array(alertSchema).min(1).max(1000),
});

/** A validated Alertmanager notification. */
export type WebhookPayload = z.infer<typeof webhookPayloadSchema>;
/** One alert of it. */
export type ReceivedAlert = WebhookPayload['alerts'][number];
