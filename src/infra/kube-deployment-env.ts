import { z } from 'zod';
import type { KubernetesTarget } from '../config/ops-config.js';
import { kubeCaller } from './kube-call.js';
import { deploymentRollout } from './kube-workload-summaries.js';
import type { DeploymentRollout } from './kube-workload-types.js';

/** One container of the deployment's pod template: its CPU and its environment variables. */
export interface ContainerEnv {
  index: number;
  name: string;
  cpuLimit?: string;
  cpuRequest?: string;
  /** `valueFrom` variables have no value here: they come from a ConfigMap, a Secret or a field. */
  env: { name: string; value?: string; fromRef: boolean }[];
}

const deploymentSchema = z.object({
  spec: z.object({
    template: z.object({
      spec: z.object({
        containers: z.array(
          z.object({
            name: z.string(),
            resources: z
              .object({
                limits: z.record(z.string(), z.string()).optional(),
                requests: z.record(z.string(), z.string()).optional(),
              })
              .optional(),
            env: z
              .array(z.object({ name: z.string(), value: z.string().optional(), valueFrom: z.unknown().optional() }))
              .optional(),
          }),
        ),
      }),
    }),
  }),
});

/** The deployment's containers with their CPU and env, and `kubectl set env` as one JSON Patch. */
export interface DeploymentEnv {
  readContainers(signal?: AbortSignal): Promise<{ rollout: DeploymentRollout; containers: ContainerEnv[] }>;
  /**
   * Sets plain `value`s on one container. The patch tests the container's name and each variable's position first,
   * so a deployment changed since it was read is refused (422) rather than patched in the wrong place.
   */
  setEnv(
    container: ContainerEnv,
    vars: { name: string; value: string }[],
    signal?: AbortSignal,
  ): Promise<DeploymentRollout>;
}

/** The adapter for the environment's deployment. */
export function createDeploymentEnv(target: KubernetesTarget, where: string): DeploymentEnv {
  const { namespace, deployment } = target;
  const call = kubeCaller(target, where);
  return {
    async readContainers(signal) {
      const body = await call(`read deployment ${deployment}`, signal, ({ apps }, o) =>
        apps.readNamespacedDeployment({ name: deployment, namespace }, o),
      );
      const d = deploymentSchema.parse(body);
      return {
        rollout: deploymentRollout(body),
        containers: d.spec.template.spec.containers.map((c, index) => ({
          index,
          name: c.name,
          ...(c.resources?.limits?.cpu ? { cpuLimit: c.resources.limits.cpu } : {}),
          ...(c.resources?.requests?.cpu ? { cpuRequest: c.resources.requests.cpu } : {}),
          env: (c.env ?? []).map((e) => ({
            name: e.name,
            ...(e.value !== undefined ? { value: e.value } : {}),
            fromRef: e.valueFrom !== undefined,
          })),
        })),
      };
    },

    async setEnv(container, vars, signal) {
      const base = `/spec/template/spec/containers/${container.index}`;
      const ops: unknown[] = [{ op: 'test', path: `${base}/name`, value: container.name }];
      if (container.env.length === 0) ops.push({ op: 'add', path: `${base}/env`, value: [] });
      for (const v of vars) {
        const at = container.env.findIndex((e) => e.name === v.name);
        if (at === -1) ops.push({ op: 'add', path: `${base}/env/-`, value: { name: v.name, value: v.value } });
        else {
          ops.push({ op: 'test', path: `${base}/env/${at}/name`, value: v.name });
          ops.push({ op: 'replace', path: `${base}/env/${at}/value`, value: v.value });
        }
      }
      const patched = await call(`set env on deployment ${deployment}`, signal, ({ apps, lib }, o) =>
        apps.patchNamespacedDeployment(
          { name: deployment, namespace, body: ops },
          lib.setHeaderOptions('Content-Type', lib.PatchStrategy.JsonPatch, o),
        ),
      );
      return deploymentRollout(patched);
    },
  };
}
