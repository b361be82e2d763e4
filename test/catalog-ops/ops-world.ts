import type { OpsConfig } from '../../src/config/ops-config.js';
import { createWorld, production, type World } from '../helpers/world.js';
import { type FakeKubeExtensions, startFakeKubeExtensions } from '../support/fake-kube-extensions.js';
import { serviceFixture } from '../support/kube-extension-fixtures.js';

/** The Ingress and maintenance Service the maintenance-mode tests use. */
export const maintenance = { ingress: 'thermaliq-api', service: 'maintenance-page', port: 80 } as const;

/** The test world, with HPAs and Services served in front of its fake Kubernetes API. */
export interface OpsWorld {
  world: World;
  ext: FakeKubeExtensions;
  close(): Promise<void>;
}

/**
 * The shared test world, with: the cluster reached through {@link FakeKubeExtensions}; the maintenance-mode keys
 * (not yet in the ops-config schema, so set on the validated config); staging on the same cluster; an Ingress
 * routing to the service on 8080; and the maintenance-page Service.
 */
export async function createOpsWorld(adjust: (cfg: OpsConfig) => void = () => {}): Promise<OpsWorld> {
  const ext = await startFakeKubeExtensions();
  const world = await createWorld((cfg) => {
    const env = production(cfg);
    const kubernetes = env.kubernetes;
    if (!kubernetes?.cluster) throw new Error('test config has no cluster');
    kubernetes.cluster.server = ext.url;
    Object.assign(kubernetes, {
      ingress: maintenance.ingress,
      maintenanceService: { name: maintenance.service, port: maintenance.port },
    });
    const service = cfg.services.thermaliq;
    if (service) service.environments.staging = { ...env };
    adjust(cfg);
  });
  ext.upstream = world.kube.url;
  world.kube.addIngress(world.namespace, maintenance.ingress, {
    host: 'api.example.test',
    serviceName: 'thermaliq',
    servicePort: 8080,
    annotations: { 'nginx.ingress.kubernetes.io/proxy-body-size': '8m' },
  });
  ext.addService(world.namespace, serviceFixture(world.namespace, maintenance.service, [{ name: 'http', port: 80 }]));
  return {
    world,
    ext,
    async close() {
      await world.close();
      await ext.close();
    },
  };
}
