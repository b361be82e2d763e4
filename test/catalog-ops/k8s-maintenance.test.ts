import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunTarget } from '../../src/jobs/runbook.js';
import { maintenanceRunbook } from '../../src/jobs/runbooks/k8s/k8s-maintenance.js';
import { originalBackendAnnotation } from '../../src/jobs/runbooks/k8s/k8s-maintenance-plan.js';
import { paramsOf, runContext, runSteps } from '../runbooks/run-context.js';
import type { JsonObject } from '../support/json-value.js';
import { createOpsWorld, maintenance, type OpsWorld } from './ops-world.js';

let ops: OpsWorld;
let runs = 0;

/** The target with its kubernetes block changed (the maintenance keys are not in the typed config yet). */
function withKubernetes(change: Record<string, unknown>) {
  return (t: RunTarget): RunTarget => {
    const kubernetes = t.env.kubernetes ? Object.assign({}, t.env.kubernetes, change) : undefined;
    return { ...t, env: { ...t.env, kubernetes } };
  };
}

/** Plans and runs `maintenance <mode>` on a fresh context, as another instance would. */
async function runMode(mode: string, adjust?: (t: RunTarget) => RunTarget) {
  const ctx = runContext(ops.world, `r-maint-${++runs}`, adjust);
  try {
    const params = paramsOf(maintenanceRunbook, [mode]);
    await maintenanceRunbook.validate?.(ctx, params);
    const plan = await maintenanceRunbook.plan?.(ctx, params);
    if (!plan) throw new Error('no plan');
    const since = ops.world.kube.requests.length;
    const { outputs } = await runSteps(maintenanceRunbook, ctx, params, plan);
    const patches = ops.world.kube.requests.slice(since).filter((r) => r.method === 'PATCH');
    return { plan, patches, report: maintenanceRunbook.report(ctx.target, params, outputs), ctx, params };
  } finally {
    await ctx.infra.close();
  }
}

function ingress(name: string = maintenance.ingress): { backend: unknown; annotations: Record<string, string> } {
  const ing = ops.world.kube.ingress(ops.world.namespace, name) as
    | { metadata: { annotations?: Record<string, string> }; spec: { rules: { http: { paths: JsonObject[] } }[] } }
    | undefined;
  return { backend: ing?.spec.rules[0]?.http.paths[0]?.backend, annotations: ing?.metadata.annotations ?? {} };
}

async function refusal(mode: string, adjust?: (t: RunTarget) => RunTarget): Promise<string> {
  const ctx = runContext(ops.world, `r-maint-${++runs}`, adjust);
  try {
    await maintenanceRunbook.validate?.(ctx, paramsOf(maintenanceRunbook, [mode]));
    return 'accepted';
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    await ctx.infra.close();
  }
}

beforeAll(async () => {
  ops = await createOpsWorld();
});
afterAll(() => ops.close());

describe('maintenance arguments and config', () => {
  it.each([
    [['sideways'], 'mode: expected "on" or "off", not "sideways"'],
    [[], 'mode: say "on" or "off"'],
  ])('refuses %j', (args, message) => {
    const parsed = maintenanceRunbook.params.safeParse(maintenanceRunbook.parseArgs(args, {}));
    expect(parsed.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([message]);
  });

  it('says which keys to set when maintenance mode is not configured, or misconfigured', async () => {
    expect(await refusal('on', withKubernetes({ ingress: undefined, maintenanceService: undefined }))).toBe(
      'Maintenance mode is not configured for production: set services.thermaliq.environments.production.kubernetes.ingress and services.thermaliq.environments.production.kubernetes.maintenanceService (name, port).',
    );
    expect(await refusal('on', withKubernetes({ maintenanceService: { name: 'Bad Name', port: 80 } }))).toMatch(
      /^Maintenance mode is misconfigured: services\.thermaliq\.environments\.production\.kubernetes\.maintenanceService\.name: expected a Kubernetes name/,
    );
  });

  it('refuses a maintenance Service that does not exist or lacks the port, and off when not in maintenance', async () => {
    expect(await refusal('on', withKubernetes({ maintenanceService: { name: 'no-such-page', port: 80 } }))).toBe(
      `The maintenance Service no-such-page does not exist in ${ops.world.namespace}; deploy the maintenance page first.`,
    );
    expect(await refusal('on', withKubernetes({ maintenanceService: { name: maintenance.service, port: 8080 } }))).toBe(
      'Service maintenance-page has no port 8080; it serves http.',
    );
    expect(await refusal('off')).toBe(
      `Ingress thermaliq-api is not in maintenance mode: it has no ${originalBackendAnnotation} annotation.`,
    );
  });
});

describe('maintenance on, then off from another instance', () => {
  it('switches the backend to the maintenance service and remembers the original in an annotation', async () => {
    const { plan, patches, report } = await runMode('on');
    expect(plan.material).toEqual({
      namespace: ops.world.namespace,
      ingress: maintenance.ingress,
      mode: 'on',
      changes: [
        {
          pointer: '/spec/rules/0/http/paths/0/backend/service',
          where: 'api.example.test/',
          from: { name: 'thermaliq', port: { number: 8080 } },
          to: { name: maintenance.service, port: { number: 80 } },
        },
      ],
    });
    expect(patches).toHaveLength(1);
    expect(patches[0]).toMatchObject({
      path: `/apis/networking.k8s.io/v1/namespaces/${ops.world.namespace}/ingresses/${maintenance.ingress}`,
      contentType: 'application/json-patch+json',
    });
    expect(patches[0]?.body).toContainEqual({
      op: 'test',
      path: '/spec/rules/0/http/paths/0/backend/service/name',
      value: 'thermaliq',
    });
    const now = ingress();
    expect(now.backend).toEqual({ service: { name: maintenance.service, port: { number: 80 } } });
    expect(JSON.parse(now.annotations[originalBackendAnnotation] ?? '{}')).toMatchObject({
      routes: [
        {
          pointer: '/spec/rules/0/http/paths/0/backend/service',
          service: { name: 'thermaliq', port: { number: 8080 } },
        },
      ],
    });
    expect(now.annotations['nginx.ingress.kubernetes.io/proxy-body-size']).toBe('8m');
    expect(report).toMatchObject({
      status: 'warn',
      headline:
        'Maintenance mode ON for GL-009 THERMALIQ (production): ingress thermaliq-api now sends 1 route to maintenance-page:80',
    });
  });

  it('refuses to turn it on twice', async () => {
    expect(await refusal('on')).toMatch(
      /^Ingress thermaliq-api is already in maintenance mode \(since .*\); turn it off first/,
    );
  });

  it('restores the original backend from the annotation and removes it', async () => {
    const { plan, patches, report, ctx, params } = await runMode('off');
    expect(plan.material).toMatchObject({
      mode: 'off',
      changes: [{ from: { name: maintenance.service }, to: { name: 'thermaliq', port: { number: 8080 } } }],
    });
    expect(patches).toHaveLength(1);
    const now = ingress();
    expect(now.backend).toEqual({ service: { name: 'thermaliq', port: { number: 8080 } } });
    expect(now.annotations).toEqual({ 'nginx.ingress.kubernetes.io/proxy-body-size': '8m' });
    expect(report.headline).toBe(
      'Maintenance mode OFF for GL-009 THERMALIQ (production): ingress thermaliq-api is back on thermaliq:8080',
    );

    // A re-delivery of the same approved step finds the switch done and patches nothing.
    const again = runContext(ops.world, ctx.runId);
    try {
      const since = ops.world.kube.requests.length;
      const { outputs } = await runSteps(maintenanceRunbook, again, params, plan);
      expect(ops.world.kube.requests.slice(since).filter((r) => r.method === 'PATCH')).toEqual([]);
      expect(outputs.switch).toMatchObject({ already: true });
    } finally {
      await again.infra.close();
    }
  });

  it('adds the annotations map to an Ingress that has none', async () => {
    ops.world.kube.addIngress(ops.world.namespace, 'bare-api', { host: 'bare.example.test', serviceName: 'thermaliq' });
    const { patches } = await runMode('on', withKubernetes({ ingress: 'bare-api' }));
    expect(patches[0]?.body).toContainEqual(expect.objectContaining({ op: 'add', path: '/metadata/annotations' }));
    expect(Object.keys(ingress('bare-api').annotations)).toEqual([originalBackendAnnotation]);
    await runMode('off', withKubernetes({ ingress: 'bare-api' }));
    expect(ingress('bare-api')).toEqual({
      backend: { service: { name: 'thermaliq', port: { number: 80 } } },
      annotations: {},
    });
  });
});
