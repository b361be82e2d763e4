import { z } from 'zod';

/** The request `dr drill` sends to the secondary to prove it works, not only that it is up. */
const functionalProbeSchema = z
  .object({
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'HEAD']).default('GET'),
    url: z.string().regex(/^https?:\/\//, { message: 'expected a URL like https://api-eu.example.com/v1/calculate' }),
    /** Sent as is with content-type application/json (the guide's test_calculation.json). */
    body: z.string().optional(),
    /** The status a working secondary answers with. */
    expectedStatus: z.coerce.number().int().min(100).max(599).default(200),
  })
  .strict();

/**
 * `dr:` of an environment, for `dr drill` (THERMALIQ "Quarterly Tasks → Disaster Recovery Drill"): the secondary
 * environment of the same service the drill checks (its Kubernetes target and healthUrl), the functional probe,
 * the RTO target, and the PromQL that gives the replication lag in seconds (the RPO), where there is one.
 */
export const drConfigSchema = z
  .object({
    /** The name of the secondary environment under the same service (e.g. dr, with the eu-west-1 cluster). */
    secondary: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, { message: 'expected an environment name such as dr' }),
    probe: functionalProbeSchema.optional(),
    /** The guide's: 15 minutes. */
    rtoTargetMinutes: z.coerce.number().positive().max(1440).default(15),
    replicationLagQuery: z
      .string()
      .trim()
      .transform((v) => (v === '' ? undefined : v))
      .optional(),
  })
  .strict();

/** The DR settings of one environment. */
export type DrConfig = z.infer<typeof drConfigSchema>;
