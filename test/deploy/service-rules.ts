import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { deployDir } from './manifests.js';

/** The folder of the guides' alert rules for the services (not the bot's own, deploy/prometheus/alert-rules.yml). */
export const serviceAlertsDir = join(deployDir, 'prometheus', 'service-alerts');

/** The rule files, by the service their alerts carry in the `service` label. */
export const serviceRuleFiles = { vcci: 'vcci-rules.yml', thermaliq: 'thermaliq-rules.yml' } as const;

const alertRule = z
  .object({
    alert: z.string().regex(/^[A-Z][A-Za-z0-9]+$/),
    expr: z.string().min(1),
    for: z.string().regex(/^\d+[smh]$/),
    labels: z
      .object({
        severity: z.enum(['warning', 'critical']),
        team: z.string(),
        service: z.string(),
        environment: z.string(),
      })
      .strict(),
    annotations: z.object({ summary: z.string().min(10), description: z.string().min(10) }).strict(),
  })
  .strict();

/** One alerting rule of a service rule file. */
export type ServiceAlertRule = z.infer<typeof alertRule>;

const rulesSchema = z
  .object({
    groups: z.array(z.object({ name: z.string(), interval: z.string(), rules: z.array(alertRule).min(1) }).strict()),
  })
  .strict();

/** The alerting rules of one service's rule file. */
export function readServiceRules(file: string): ServiceAlertRule[] {
  return rulesSchema
    .parse(parseYaml(readFileSync(join(serviceAlertsDir, file), 'utf8')))
    .groups.flatMap((g) => g.rules);
}
