import { z } from 'zod';
import { UserError } from '../../../errors.js';
import type { BackendService } from '../../../infra/kube-workload-types.js';
import type { RunTarget } from '../../runbook.js';
import { environmentPath } from './k8s-context.js';

const k8sName = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { message: 'expected a Kubernetes name (lowercase, digits, - and .)' })
  .max(253);
// A Service port is named by number, or by its IANA-style name (at most 15 characters).
const portName = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { message: 'expected a port number or name' })
  .max(15);

/**
 * The maintenance-mode keys of an environment's `kubernetes` block. Until they are part of the ops-config schema
 * they are read here leniently; the schema additions are the same shapes.
 */
export const maintenanceConfigSchema = z.object({
  /** The Ingress whose backends maintenance mode switches. */
  ingress: k8sName,
  /** The Service that serves the maintenance page (the VCCI guide's `maintenance-page`). */
  maintenanceService: z
    .object({ name: k8sName, port: z.union([z.number().int().min(1).max(65535), portName]) })
    .strict(),
});

/** Where maintenance mode sends traffic, and which Ingress it changes. */
export interface MaintenanceConfig {
  ingress: string;
  service: BackendService;
}

/** The environment's maintenance-mode config, or a UserError naming the keys to set. */
export function maintenanceConfig(target: RunTarget): MaintenanceConfig {
  const where = `${environmentPath(target)}.kubernetes`;
  const block: unknown = target.env.kubernetes;
  const present = z.object({ ingress: z.unknown(), maintenanceService: z.unknown() }).partial().safeParse(block);
  if (!present.success || (present.data.ingress === undefined && present.data.maintenanceService === undefined)) {
    throw new UserError(
      'unavailable',
      `Maintenance mode is not configured for ${target.environment}: set ${where}.ingress and ${where}.maintenanceService (name, port).`,
    );
  }
  const parsed = maintenanceConfigSchema.safeParse(block);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${where}.${i.path.join('.')}: ${i.message}`).join('; ');
    throw new UserError('unavailable', `Maintenance mode is misconfigured: ${problems}.`);
  }
  const { ingress, maintenanceService: svc } = parsed.data;
  return {
    ingress,
    service: { name: svc.name, port: typeof svc.port === 'number' ? { number: svc.port } : { name: svc.port } },
  };
}

/** "name:port" for people. */
export function describeBackend(s: BackendService | undefined): string {
  if (!s) return '(not a service)';
  return `${s.name}:${'number' in s.port ? s.port.number : s.port.name}`;
}
