import { z } from 'zod';
import { UserError } from '../../../errors.js';
import { countOf } from '../../../format/words.js';
import type { IngressState, JsonPatchOperation } from '../../../infra/kube-workload-types.js';
import type { Plan } from '../../plan.js';
import type { RunbookContext } from '../../runbook.js';
import { requireWorkloads } from './k8s-context.js';
import { describeBackend, type MaintenanceConfig, maintenanceConfig } from './k8s-maintenance-config.js';

/** Where the original backends are remembered, on the Ingress itself, so any instance can switch back. */
export const originalBackendAnnotation = 'thermaliq.io/original-backend';

const backendService = z.object({
  name: z.string(),
  port: z.union([z.object({ number: z.number().int() }).strict(), z.object({ name: z.string() }).strict()]),
});

/** The annotation's JSON: every route switched, with the service it had before. */
const rememberedSchema = z.object({
  routes: z.array(z.object({ pointer: z.string().startsWith('/spec/'), service: backendService })).min(1),
  since: z.string(),
  runId: z.string(),
});
type Remembered = z.infer<typeof rememberedSchema>;

/** One route change: where, from which service, to which. */
export const routeChange = z.object({
  pointer: z.string(),
  where: z.string(),
  from: backendService,
  to: backendService,
});
/** A route change of maintenance mode. */
export type RouteChange = z.infer<typeof routeChange>;

/** What a maintenance approval is bound to: the Ingress and exactly which routes change from what to what. */
export const maintenanceMaterial = z.object({
  namespace: z.string(),
  ingress: z.string(),
  mode: z.enum(['on', 'off']),
  changes: z.array(routeChange).min(1),
});
/** The approved facts the maintenance step acts on. */
export type MaintenanceMaterial = z.infer<typeof maintenanceMaterial>;

/** The remembered original backends of an Ingress in maintenance mode; undefined when it is not in maintenance. */
export function rememberedBackends(ing: IngressState): Remembered | undefined {
  const text = ing.annotations[originalBackendAnnotation];
  if (text === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = rememberedSchema.safeParse(json);
  if (!parsed.success) {
    throw new UserError(
      'conflict',
      `Ingress ${ing.name} has an unreadable ${originalBackendAnnotation} annotation; restore its backends by hand and remove the annotation.`,
    );
  }
  return parsed.data;
}

const serviceAt = (ing: IngressState, pointer: string) => ing.routes.find((r) => r.pointer === pointer);

/** The route changes `on` or `off` would make to this Ingress now; a UserError when the mode cannot apply. */
export function routeChanges(ing: IngressState, cfg: MaintenanceConfig, mode: 'on' | 'off'): RouteChange[] {
  const remembered = rememberedBackends(ing);
  if (mode === 'on') {
    if (remembered) {
      throw new UserError(
        'conflict',
        `Ingress ${ing.name} is already in maintenance mode (since ${remembered.since}); turn it off first with \`maintenance off\`.`,
      );
    }
    const changes = ing.routes.flatMap((r) =>
      r.service && r.service.name !== cfg.service.name
        ? [{ pointer: r.pointer, where: r.where, from: r.service, to: cfg.service }]
        : [],
    );
    if (changes.length === 0) {
      throw new UserError('conflict', `Ingress ${ing.name} has no service backend to switch to ${cfg.service.name}.`);
    }
    return changes;
  }
  if (!remembered) {
    throw new UserError(
      'conflict',
      `Ingress ${ing.name} is not in maintenance mode: it has no ${originalBackendAnnotation} annotation.`,
    );
  }
  return remembered.routes.map((r) => {
    const now = serviceAt(ing, r.pointer);
    if (!now?.service) {
      throw new UserError('conflict', `Ingress ${ing.name} no longer has the route ${r.pointer}; restore it by hand.`);
    }
    return { pointer: r.pointer, where: now.where, from: now.service, to: r.service };
  });
}

const escapePointer = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1');

/**
 * The JSON patch that makes the changes, guarded by `test` operations: it applies only to the version read and
 * only where each route still names the service it is switched away from.
 */
export function maintenancePatch(
  ing: IngressState,
  mode: 'on' | 'off',
  changes: readonly RouteChange[],
  meta: { runId: string; now: Date },
): JsonPatchOperation[] {
  const ops: JsonPatchOperation[] = [{ op: 'test', path: '/metadata/resourceVersion', value: ing.resourceVersion }];
  for (const c of changes) {
    ops.push({ op: 'test', path: `${c.pointer}/name`, value: c.from.name });
    ops.push({ op: 'replace', path: c.pointer, value: c.to });
  }
  const annotationPath = `/metadata/annotations/${escapePointer(originalBackendAnnotation)}`;
  if (mode === 'off') {
    ops.push({ op: 'remove', path: annotationPath });
    return ops;
  }
  const remembered: Remembered = {
    routes: changes.map((c) => ({ pointer: c.pointer, service: c.from })),
    since: meta.now.toISOString(),
    runId: meta.runId,
  };
  const value = JSON.stringify(remembered);
  // "add" into a missing annotations map fails, so a bare Ingress gets the whole map.
  ops.push(
    Object.keys(ing.annotations).length === 0
      ? { op: 'add', path: '/metadata/annotations', value: { [originalBackendAnnotation]: value } }
      : { op: 'add', path: annotationPath, value },
  );
  return ops;
}

/** Whether the Ingress already is in the state the changes lead to (a repeated step after a crash). */
export function alreadyApplied(ing: IngressState, mode: 'on' | 'off', changes: readonly RouteChange[]): boolean {
  const annotated = ing.annotations[originalBackendAnnotation] !== undefined;
  if (annotated !== (mode === 'on')) return false;
  return changes.every((c) => serviceAt(ing, c.pointer)?.service?.name === c.to.name);
}

/** Reads the Ingress (and for `on`, the maintenance Service) and works out the changes, refusing what cannot apply. */
export async function analyzeMaintenance(
  ctx: RunbookContext,
  mode: 'on' | 'off',
): Promise<{ cfg: MaintenanceConfig; ingress: IngressState; changes: RouteChange[] }> {
  const cfg = maintenanceConfig(ctx.target);
  const workloads = requireWorkloads(ctx);
  const [ingress, service] = await Promise.all([
    workloads.readIngress(cfg.ingress, { signal: ctx.signal }),
    mode === 'on' ? workloads.readService(cfg.service.name, { signal: ctx.signal }) : undefined,
  ]);
  const changes = routeChanges(ingress, cfg, mode);
  if (mode === 'on') {
    const port = cfg.service.port;
    const served = service?.ports.some((p) => ('number' in port ? p.port === port.number : p.name === port.name));
    if (!service || !served) {
      throw new UserError(
        'conflict',
        service
          ? `Service ${service.name} has no port ${'number' in port ? port.number : port.name}; it serves ${service.ports.map((p) => p.name ?? p.port).join(', ')}.`
          : `The maintenance Service ${cfg.service.name} does not exist in ${workloads.namespace}; deploy the maintenance page first.`,
      );
    }
  }
  return { cfg, ingress, changes };
}

/** The plan of `maintenance on|off`: the Ingress, each route's backend before and after, and how to undo it. */
export async function planMaintenance(ctx: RunbookContext, mode: 'on' | 'off'): Promise<Plan> {
  const { cfg, ingress, changes } = await analyzeMaintenance(ctx, mode);
  const namespace = requireWorkloads(ctx).namespace;
  const material: MaintenanceMaterial = { namespace, ingress: ingress.name, mode, changes };
  const lines = describeChanges(changes);
  const undo = `${ctx.target.service.command} maintenance ${mode === 'on' ? 'off' : 'on'} --env ${ctx.target.environment}`;
  return {
    summary:
      mode === 'on'
        ? `Maintenance mode ON: ingress ${namespace}/${ingress.name} sends all traffic to ${describeBackend(cfg.service)}`
        : `Maintenance mode OFF: ingress ${namespace}/${ingress.name} goes back to its original backends`,
    fields: [
      { label: 'Ingress', value: `${namespace}/${ingress.name}` },
      { label: 'Routes', value: lines.join('\n') },
      {
        label: mode === 'on' ? 'Remembered in' : 'Restored from',
        value: `the ${originalBackendAnnotation} annotation on the Ingress`,
      },
      { label: 'Undo with', value: undo },
    ],
    steps: [
      `JSON-patch ${ingress.name}: switch ${countOf(changes.length, 'route')} (guarded by test operations on the version and the current services)`,
      mode === 'on'
        ? `Record the original backends in ${originalBackendAnnotation}`
        : `Remove ${originalBackendAnnotation}`,
    ],
    material,
  };
}

/** The services of a list of changes, as one line. */
export function describeChanges(changes: readonly RouteChange[]): string[] {
  return changes.map((c) => `${c.where}: ${describeBackend(c.from)} → ${describeBackend(c.to)}`);
}

/** The target services, de-duplicated, for a headline. */
export function targets(changes: readonly RouteChange[]): string {
  return [...new Set(changes.map((c) => describeBackend(c.to)))].join(', ');
}
