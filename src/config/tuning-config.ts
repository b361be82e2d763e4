import { z } from 'zod';

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, {
  message: 'expected an environment variable name such as GUNICORN_WORKERS',
});

/**
 * `tuning:` of an environment, for `tune db` and `tune workers`: the database server's memory (which the guide's
 * absolute sizes are scaled to), and the application's environment variables the worker formula sets.
 */
export const tuningConfigSchema = z
  .object({
    db: z
      .object({
        /** The database server's memory (`16GB`); `tune db --memory` overrides it, the guide's 16 GiB host is the fallback. */
        memory: z
          .string()
          .regex(/^\d{1,6}(MB|GB|TB)$/i, { message: 'expected a memory size such as 16GB' })
          .optional(),
      })
      .strict()
      .default({}),
    workers: z
      .object({
        /** The container whose CPU limit and env count; the pod's first container when unset. */
        container: z.string().optional(),
        /** Variables set to (cores × 2) + 1 (the guide's GUNICORN_WORKERS; WEB_CONCURRENCY for others). */
        env: z.array(envName).min(1).default(['GUNICORN_WORKERS']),
        /** "Optimize Database Connection Pool": the pool size (same formula) and its overflow; unset to leave it. */
        poolSizeEnv: envName.optional(),
        maxOverflowEnv: envName.optional(),
        maxOverflow: z.number().int().min(0).max(1000).default(10),
      })
      .strict()
      .default({ env: ['GUNICORN_WORKERS'], maxOverflow: 10 }),
  })
  .strict();

/** A validated `tuning:` block. */
export type TuningConfig = z.infer<typeof tuningConfigSchema>;
