import { z } from 'zod';

// "${VAR:-}" left empty means "not configured".
const optional = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

/**
 * `logs:` of an environment, for `logs prune` (VCCI "Log Rotation and Cleanup", "Log Retention Policy"): the S3
 * prefix the logs are archived under (endpoint, region and credentials are the `backups:` ones), the Elasticsearch
 * holding the daily indices `<indexPrefix>YYYY.MM.DD`, and how long both are kept.
 */
export const logsConfigSchema = z
  .object({
    /** The guide's RETENTION_DAYS=90 and its ILM delete phase (min_age 90d). */
    retentionDays: z.number().int().min(1).max(3650).default(90),
    s3: z
      .object({
        bucket: optional.pipe(
          z
            .string()
            .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { message: 'expected an S3 bucket name' })
            .optional(),
        ),
        /** Never empty: a prune under the bucket's root would reach every object in it. */
        prefix: z
          .string()
          .min(1, { message: 'expected a prefix such as production/ (never the whole bucket)' })
          .refine((p) => !p.startsWith('/') && !p.split('/').includes('..') && p.endsWith('/'), {
            message: 'expected a relative prefix ending in / without ".." such as production/',
          }),
      })
      .strict()
      .optional(),
    elasticsearch: z
      .object({
        url: optional.pipe(
          z
            .string()
            .regex(/^https?:\/\//, { message: 'expected a URL like http://elasticsearch:9200' })
            .optional(),
        ),
        /** Daily indices are `<indexPrefix>YYYY.MM.DD` (the guide's vcci-logs-2025.01.31). */
        indexPrefix: z
          .string()
          .regex(/^[a-z0-9][a-z0-9._-]{0,100}$/, { message: 'expected an index name prefix such as vcci-logs-' }),
      })
      .strict()
      .optional(),
  })
  .strict();

/** A validated `logs:` block. */
export type LogsConfig = z.infer<typeof logsConfigSchema>;
