import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { loadEnv } from '../../src/config/env.js';
import { deployDir, loadManifests } from './manifests.js';

const probe = z.object({ httpGet: z.object({ path: z.string(), port: z.union([z.string(), z.number()]) }) });
const container = z.object({
  name: z.string(),
  image: z.string(),
  env: z.array(z.object({ name: z.string(), value: z.string() }).strict()),
  envFrom: z.array(z.object({ secretRef: z.object({ name: z.string() }).strict() }).strict()),
  ports: z.array(z.object({ name: z.string(), containerPort: z.number(), protocol: z.string() })),
  startupProbe: probe,
  livenessProbe: probe,
  readinessProbe: probe,
  resources: z.object({
    requests: z.object({ cpu: z.string(), memory: z.string() }),
    limits: z.object({ cpu: z.string(), memory: z.string() }),
  }),
  securityContext: z.object({
    allowPrivilegeEscalation: z.literal(false),
    readOnlyRootFilesystem: z.literal(true),
    capabilities: z.object({ drop: z.tuple([z.literal('ALL')]) }),
  }),
  volumeMounts: z.array(z.object({ name: z.string(), mountPath: z.string(), readOnly: z.boolean().optional() })),
});
const deployment = z.object({
  metadata: z.object({ namespace: z.string() }),
  spec: z.object({
    selector: z.object({ matchLabels: z.record(z.string(), z.string()) }),
    template: z.object({
      metadata: z.object({ labels: z.record(z.string(), z.string()), annotations: z.record(z.string(), z.string()) }),
      spec: z.object({
        serviceAccountName: z.string(),
        securityContext: z.object({ runAsNonRoot: z.literal(true), runAsUser: z.number().min(1) }),
        containers: z.tuple([container]),
        volumes: z.array(
          z.object({
            name: z.string(),
            configMap: z.object({ name: z.string() }).optional(),
            emptyDir: z.object({}).passthrough().optional(),
          }),
        ),
      }),
    }),
  }),
});

/** Environment variables that hold secrets: they must come from the Secret, never be written in a manifest. */
const secretish = /TOKEN|SECRET|PASSWORD|_URL$|ACCESS_KEY/;

describe('deploy/kubernetes manifests', () => {
  const manifests = loadManifests();
  const of = (kind: string, name: string) => manifests.find((m) => m.kind === kind && m.name === name);

  for (const role of ['bot', 'worker'] as const) {
    it(`the ${role} Deployment runs ROLE=${role}, non-root on a read-only root, probed on /healthz and /readyz`, () => {
      const d = deployment.parse(of('Deployment', `thermaliq-chatops-${role}`)?.body);
      const spec = d.spec.template.spec;
      const [c] = spec.containers;
      const env = Object.fromEntries(c.env.map((e) => [e.name, e.value]));
      // The environment the container gets is one the bot accepts (the Secret adds the rest).
      const parsed = loadEnv({ ...env, SLACK_BOT_TOKEN: 'xoxb-from-secret' });
      expect(parsed.ROLE).toBe(role);
      const http = c.ports.find((p) => p.name === 'http');
      expect(http?.containerPort).toBe(parsed.PORT);
      expect(c.startupProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
      expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
      expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
      expect(d.spec.template.metadata.annotations['prometheus.io/path']).toBe('/metrics');
      expect(d.spec.template.metadata.annotations['prometheus.io/port']).toBe(String(parsed.PORT));
      // Secrets only by reference.
      expect(c.env.filter((e) => secretish.test(e.name))).toEqual([]);
      expect(c.envFrom).toEqual([{ secretRef: { name: 'thermaliq-chatops-env' } }]);
      // The ops config comes from the ConfigMap, mounted where OPS_CONFIG points.
      const configVolume = spec.volumes.find((v) => v.configMap?.name === 'thermaliq-chatops-ops-config');
      const mount = c.volumeMounts.find((m) => m.name === configVolume?.name);
      expect(mount?.mountPath).toBe(dirname(parsed.OPS_CONFIG ?? ''));
      expect(mount?.readOnly).toBe(true);
      // A writable /tmp is the only writable path (tsx's cache; HOME).
      const tmp = c.volumeMounts.find((m) => m.mountPath === '/tmp');
      expect(spec.volumes.find((v) => v.name === tmp?.name)?.emptyDir).toBeDefined();
      expect(spec.securityContext.runAsUser).toBe(10001);
      expect(d.spec.template.metadata.labels).toMatchObject(d.spec.selector.matchLabels);
    });
  }

  it('the Service reaches only the bot pods, on the named HTTP port', () => {
    const svc = z
      .object({
        spec: z.object({
          selector: z.record(z.string(), z.string()),
          ports: z.array(z.object({ targetPort: z.string() })),
        }),
      })
      .parse(of('Service', 'thermaliq-chatops-bot')?.body);
    expect(svc.spec.selector).toEqual({
      'app.kubernetes.io/name': 'thermaliq-chatops',
      'app.kubernetes.io/component': 'bot',
    });
    expect(svc.spec.ports.map((p) => p.targetPort)).toEqual(['http']);
  });

  it('the NetworkPolicy lets in only the HTTP port and lets out only DNS, HTTPS, the API server, PostgreSQL, Redis, Prometheus and Alertmanager', () => {
    const port = z.object({ port: z.union([z.string(), z.number()]), protocol: z.string() });
    const np = z
      .object({
        spec: z.object({
          podSelector: z.object({ matchLabels: z.record(z.string(), z.string()) }),
          policyTypes: z.array(z.string()),
          ingress: z.array(z.object({ ports: z.array(port) }).strict()),
          egress: z.array(z.object({ ports: z.array(port) })),
        }),
      })
      .parse(of('NetworkPolicy', 'thermaliq-chatops')?.body);
    expect(np.spec.podSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'thermaliq-chatops' });
    expect(np.spec.policyTypes.sort()).toEqual(['Egress', 'Ingress']);
    expect(np.spec.ingress.flatMap((r) => r.ports)).toEqual([{ port: 'http', protocol: 'TCP' }]);
    const egress = np.spec.egress.flatMap((r) => r.ports.map((p) => `${p.port}/${p.protocol}`)).sort();
    expect(egress).toEqual(
      ['443/TCP', '5432/TCP', '53/TCP', '53/UDP', '6379/TCP', '6443/TCP', '9090/TCP', '9093/TCP'].sort(),
    );
  });

  it('holds no secret values: no Secret object, and the ConfigMap is config/ops.yml verbatim', () => {
    expect(manifests.filter((m) => m.kind === 'Secret')).toEqual([]);
    const data = z
      .object({ data: z.object({ 'ops.yml': z.string() }) })
      .parse(of('ConfigMap', 'thermaliq-chatops-ops-config')?.body);
    const shipped = readFileSync(join(deployDir, '..', 'config', 'ops.yml'), 'utf8');
    // When config/ops.yml changes, copy it into deploy/kubernetes/configmap.yaml (indented under `ops.yml: |`).
    expect(data.data['ops.yml']).toBe(shipped);
  });

  it('the kustomization lists every manifest file, and every object but the cluster-wide ones is namespaced', () => {
    const dir = join(deployDir, 'kubernetes');
    const k = z
      .object({ resources: z.array(z.string()) })
      .parse(parseYaml(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')));
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
    expect([...k.resources].sort()).toEqual(files.sort());
    const clusterWide = manifests.filter((m) => m.namespace === undefined).map((m) => `${m.kind}/${m.name}`);
    expect(clusterWide.sort()).toEqual([
      'ClusterRole/thermaliq-chatops-bindings-reader',
      'ClusterRole/thermaliq-chatops-nodes-reader',
      'ClusterRoleBinding/thermaliq-chatops-bindings-reader',
      'ClusterRoleBinding/thermaliq-chatops-nodes-reader',
    ]);
  });
});
