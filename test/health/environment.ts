import { type EnvironmentConfig, parseOpsConfig } from '../../src/config/ops-config.js';
import { defaultThresholds, type Thresholds } from '../../src/config/thresholds.js';
import { createInfra, type Infra } from '../../src/infra/infra.js';
import type { CheckResult, HealthCheck } from '../../src/jobs/health/check.js';
import { runHealthChecks } from '../../src/jobs/health/run-checks.js';

export const serviceKey = 'thermaliq';
/** The service's slash command, as the config below declares it. */
export const command = '/thermaliq';
export const environmentName = 'production';
export const namespace = 'gl-009-production';
export const appLabels = { app: 'thermaliq' };

/** An environment block validated by the real ops-config schema, so tests use what production parses. */
export function environment(env: Record<string, unknown>): EnvironmentConfig {
  const config = parseOpsConfig({
    services: {
      [serviceKey]: { command, displayName: 'ThermalIQ', environments: { [environmentName]: env } },
    },
    roles: {},
    channels: { allowed: ['*'] },
  });
  const parsed = config.services[serviceKey]?.environments[environmentName];
  if (!parsed) throw new Error('environment missing after parse');
  return parsed;
}

/** The `kubernetes` block pointing at a fake API server. */
export function kubernetesBlock(url: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    namespace,
    deployment: 'thermaliq',
    labelSelector: 'app=thermaliq',
    cluster: { server: url, token: 'fake-token', skipTLSVerify: true },
    ...extra,
  };
}

/** Adapters for an environment block. */
export function infraFor(env: Record<string, unknown>): Infra {
  return createInfra(environment(env), { serviceKey, environment: environmentName });
}

/** Runs one check through the real runner (timeouts and exceptions handled as in production). */
export async function runCheck(
  check: HealthCheck,
  infra: Infra,
  opts: { thresholds?: Partial<Thresholds>; timeoutMs?: number } = {},
): Promise<CheckResult> {
  const [result] = await runHealthChecks(
    [check],
    {
      serviceKey,
      command,
      environment: environmentName,
      infra,
      thresholds: { ...defaultThresholds, ...opts.thresholds },
    },
    { timeoutMs: opts.timeoutMs ?? 10_000 },
  );
  if (!result) throw new Error('no result');
  return result;
}
