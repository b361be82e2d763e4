import { UserError } from '../errors.js';
import type { RunTarget } from '../jobs/runbook.js';
import type { OpsConfig } from './ops-config.js';
import { defaultThresholds } from './thresholds.js';

/** Resolves a service and environment name to a run target; an unknown name is a UserError listing valid ones. */
export function resolveTarget(cfg: OpsConfig, serviceKey: string, environment: string | undefined): RunTarget {
  // Object.hasOwn: "constructor" or "__proto__" are not services or environments.
  const service = Object.hasOwn(cfg.services, serviceKey) ? cfg.services[serviceKey] : undefined;
  if (!service) throw new UserError('unknown_service', `Unknown service "${serviceKey}".`);
  const envName = environment ?? service.defaultEnvironment;
  const env = Object.hasOwn(service.environments, envName) ? service.environments[envName] : undefined;
  if (!env) {
    throw new UserError(
      'unknown_environment',
      `Unknown environment "${envName}" for ${service.displayName}. Valid: ${Object.keys(service.environments).join(', ')}.`,
    );
  }
  return {
    serviceKey,
    service,
    environment: envName,
    env,
    thresholds: { ...defaultThresholds, ...service.thresholds },
  };
}
