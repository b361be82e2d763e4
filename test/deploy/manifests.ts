import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';

/** The repository's deploy/ folder. */
export const deployDir = join(import.meta.dirname, '..', '..', 'deploy');

/** One Kubernetes object from deploy/kubernetes, with the file it came from. */
export interface Manifest {
  file: string;
  kind: string;
  name: string;
  namespace?: string;
  body: Record<string, unknown>;
}

const objectHead = z.object({
  apiVersion: z.string(),
  kind: z.string(),
  metadata: z.object({ name: z.string(), namespace: z.string().optional() }),
});

/** Every object of every YAML file in deploy/kubernetes; a YAML error or an object without kind/name throws. */
export function loadManifests(dir = join(deployDir, 'kubernetes')): Manifest[] {
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml')
    .sort()
    .flatMap((file) =>
      parseAllDocuments(readFileSync(join(dir, file), 'utf8')).flatMap((doc) => {
        if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
        const body: unknown = doc.toJS();
        if (body === null || body === undefined) return [];
        const head = objectHead.parse(body);
        return [
          {
            file,
            kind: head.kind,
            name: head.metadata.name,
            namespace: head.metadata.namespace,
            body: z.record(z.string(), z.unknown()).parse(body),
          },
        ];
      }),
    );
}

/** An RBAC policy rule as written in a Role or ClusterRole. */
export const policyRule = z
  .object({
    apiGroups: z.array(z.string()),
    resources: z.array(z.string()),
    verbs: z.array(z.string()).min(1),
    resourceNames: z.array(z.string()).optional(),
  })
  .strict();
/** One RBAC rule. */
export type PolicyRule = z.infer<typeof policyRule>;

/** The rules of a Role or ClusterRole manifest. */
export function rulesOf(m: Manifest): PolicyRule[] {
  return z.object({ rules: z.array(policyRule) }).parse(m.body).rules;
}

const binding = z.object({
  roleRef: z.object({ apiGroup: z.literal('rbac.authorization.k8s.io'), kind: z.string(), name: z.string() }),
  subjects: z.array(z.object({ kind: z.string(), name: z.string(), namespace: z.string().optional() })),
});

/** The role a RoleBinding or ClusterRoleBinding grants, and to whom. */
export function bindingOf(m: Manifest): z.infer<typeof binding> {
  return binding.parse(m.body);
}
