import type { V1Job } from '@kubernetes/client-node';
import type { ScanJobSpec } from './kube-security-types.js';

/** trivy keeps its vulnerability database here, in a scratch volume, so the root filesystem stays read-only. */
const cacheDir = '/tmp/trivy';

/**
 * The batch/v1 Job of an image scan: one trivy container per image (each container's log is that image's JSON
 * report), never retried (`backoffLimit: 0`, `restartPolicy: Never`), stopped by the cluster at the deadline and
 * deleted by the TTL controller after it finishes. The pod gets no service-account token: trivy needs none.
 */
export function scanJobManifest(spec: ScanJobSpec): V1Job {
  const resources = { cpu: spec.resources.cpu, memory: spec.resources.memory };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { generateName: `${spec.namePrefix}-`, labels: spec.labels },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: spec.deadlineSeconds,
      ttlSecondsAfterFinished: spec.ttlSecondsAfterFinished,
      template: {
        metadata: { labels: spec.labels },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001 },
          containers: spec.targets.map((t) => ({
            name: t.container,
            image: spec.scannerImage,
            // argv, never a shell line: the image reference is one argument whatever it contains.
            args: [
              'image',
              '--format',
              'json',
              '--severity',
              spec.severities.join(','),
              '--quiet',
              '--cache-dir',
              cacheDir,
              t.image,
            ],
            env: [{ name: 'HOME', value: '/tmp' }],
            resources: { requests: resources, limits: resources },
            securityContext: {
              allowPrivilegeEscalation: false,
              readOnlyRootFilesystem: true,
              capabilities: { drop: ['ALL'] },
            },
            volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
          })),
          volumes: [{ name: 'tmp', emptyDir: {} }],
        },
      },
    },
  };
}
