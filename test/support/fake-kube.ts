import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { KubeConfig } from '@kubernetes/client-node';
import { ArgoRolloutsController, type FakeArgoRollouts } from './fake-kube-argo.js';
import {
  type CertManagerSimulation,
  certificateStatusWrite,
  FakeStatusError,
  hasTrueCondition,
  normalizeSecretWrite,
  secretFixture,
  simulateIssuance,
} from './fake-kube-cert-manager.js';
import { type ExecCall, ExecEndpoint, type ExecHandler } from './fake-kube-exec.js';
import {
  admitJob,
  JobCreateError,
  type JobOutcome,
  type JobRunner,
  jobFinished,
  jobPod,
  jobRunning,
} from './fake-kube-jobs.js';
import { applyJsonPatch, applyMergePatch, JsonPatchError } from './json-patch.js';
import {
  cloneJson,
  ensureObjectAt,
  isJsonObject,
  type Json,
  type JsonObject,
  numberAt,
  objectAt,
  stringAt,
  stringMapAt,
  tryParseJson,
} from './json-value.js';
import {
  type CertificateFixtureOptions,
  certificateFixture,
  type DeploymentFixtureOptions,
  deploymentFixture,
  type EventFixtureOptions,
  eventFixture,
  type IngressFixtureOptions,
  ingressFixture,
  kubeSafeString,
  kubeTime,
  nodeFixture,
  podFixture,
  podTemplateHash,
} from './kube-fixtures.js';
import { formatKibibytes, formatNanoCores } from './kube-quantity.js';
import {
  type FieldGetter,
  formatLabelSelector,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
} from './kube-selectors.js';
import { kubeFaultStatus, kubeNotFound, kubeStatus, kubeUnknownPath } from './kube-status.js';
import { delay, readRequestBody, sendJson, sendText, startLocalHttpServer } from './local-http-server.js';

/** One request the fake API server received. */
export interface KubeRequest {
  method: string;
  /** URL path without the query string. */
  path: string;
  /** Query parameters (last value wins). */
  query: Record<string, string>;
  /** Parsed JSON body, the raw text when not JSON, or `undefined` when empty. */
  body: Json | string | undefined;
  /** The request's Content-Type header. */
  contentType: string | undefined;
}

/** Options for {@link FakeKube.addDeployment}. */
export interface AddDeploymentOptions extends DeploymentFixtureOptions {
  /** Create `replicas` Running pods right away (default true). */
  createPods?: boolean;
  /** Whether pods the fake controller creates become Ready (default true); false leaves them Running but unready. */
  podsBecomeReady?: boolean;
}

/** Options for {@link FakeKube.setPodLogs}. */
export interface PodLogOptions {
  /** Container the text belongs to; omitted means any container of the pod. */
  container?: string;
  /** Serve this text for `previous=true` requests. */
  previous?: boolean;
}

/** Resource usage for {@link FakeKube.setPodMetrics}, in any Kubernetes quantity notation. */
export interface PodUsage {
  cpu: string;
  memory: string;
}

/** An in-memory Kubernetes API server on 127.0.0.1 speaking the real JSON wire format. */
export interface FakeKube {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** Every request received, in arrival order. */
  readonly requests: KubeRequest[];
  /** Delay added before every response. */
  latencyMs: number;
  /** Delay of each asynchronous controller step (pod creation, readiness, termination); default 0. */
  rolloutDelayMs: number;
  /** When false, metrics.k8s.io answers 404 like a cluster without metrics-server. */
  metricsAvailable: boolean;
  /** Stores a pod (e.g. from `podFixture`) in `namespace`, filling uid/resourceVersion/timestamps; returns the stored copy. */
  addPod(namespace: string, pod: JsonObject): JsonObject;
  /** Mutates a stored pod in place (bumping its resourceVersion); throws if absent. */
  updatePod(namespace: string, name: string, mutate: (pod: JsonObject) => void): void;
  /** Removes a pod immediately. */
  removePod(namespace: string, name: string): void;
  /** Snapshot of the pods in `namespace`, sorted by name. */
  pods(namespace: string): JsonObject[];
  /** Adds or replaces a node with a Ready condition of `ready`. */
  addNode(name: string, ready: boolean): JsonObject;
  /** Adds a Deployment and (by default) its Running pods; status is kept in sync with matching pods. */
  addDeployment(namespace: string, name: string, options?: AddDeploymentOptions): JsonObject;
  /** Snapshot of a Deployment, or `undefined`. */
  deployment(namespace: string, name: string): JsonObject | undefined;
  /** Sets the text served by `pods/{name}/log`. */
  setPodLogs(namespace: string, podName: string, text: string, options?: PodLogOptions): void;
  /** Sets metrics.k8s.io usage for a pod (reported as metrics-server does: nanocores and Ki). */
  setPodMetrics(namespace: string, podName: string, usage: PodUsage, container?: string): void;
  /** Adds a cert-manager.io/v1 Certificate. */
  addCertificate(namespace: string, name: string, options: CertificateFixtureOptions): JsonObject;
  /** Adds a core v1 Event. */
  addEvent(namespace: string, options: EventFixtureOptions): JsonObject;
  /** Adds a networking.k8s.io/v1 Ingress. */
  addIngress(namespace: string, name: string, options: IngressFixtureOptions): JsonObject;
  /** Snapshot of an Ingress, or `undefined`. */
  ingress(namespace: string, name: string): JsonObject | undefined;
  /**
   * Stores an object of a served kind (RoleBindings, ClusterRoleBindings, NetworkPolicies, Services, …) as given,
   * filling uid/resourceVersion/timestamps; `namespace` is ignored for cluster-scoped kinds. Returns the stored copy.
   */
  addResource(group: string, plural: string, namespace: string | undefined, obj: JsonObject): JsonObject;
  /** Snapshots of the batch/v1 Jobs in `namespace`, sorted by name. */
  jobs(namespace: string): JsonObject[];
  /** Decides how each Job ends once its pod runs (undefined: Jobs keep running until {@link FakeKube.finishJob}). */
  jobRunner: JobRunner | undefined;
  /** Ends a running Job and its pod (if it still has one) with `outcome`, setting the pod's logs. */
  finishJob(namespace: string, name: string, outcome: JobOutcome): void;
  /** Adds a core v1 Secret of `type` with `data` given as text (stored base64-encoded, as the API does). */
  addSecret(namespace: string, name: string, type: string, data: Record<string, string>): JsonObject;
  /** Snapshot of a Secret, or `undefined`. */
  secret(namespace: string, name: string): JsonObject | undefined;
  /** What the simulated cert-manager does when a Certificate gets `Issuing=True` (default: never issues). */
  certManager: CertManagerSimulation;
  /** Snapshot of a cert-manager Certificate, or `undefined`. */
  certificate(namespace: string, name: string): JsonObject | undefined;
  /** Snapshots of the CertificateRequests in `namespace`, sorted by name. */
  certificateRequests(namespace: string): JsonObject[];
  /** Argo Rollouts: Rollouts (argoproj.io/v1alpha1) and their ReplicaSets, with a simulated controller. */
  readonly argo: FakeArgoRollouts;
  /** Every exec started over WebSocket (pods/exec), in arrival order; the upgrade requests are in `requests` too. */
  readonly execs: readonly ExecCall[];
  /** Sets how exec commands answer (undefined: as a container without the executable does). */
  onExec(handler: ExecHandler | undefined): void;
  /** Answers requests whose path matches with a `Status` of `code` until {@link FakeKube.clearFaults} (or `times` of them). */
  failWith(pathRegex: RegExp, code: number, options?: { method?: string; message?: string; times?: number }): void;
  /** Never answers requests whose path matches; their sockets stay open until `close()`. */
  hang(pathRegex: RegExp): void;
  /** Removes every fault and hang for new requests; requests already hanging stay open until `close()`. */
  clearFaults(): void;
  /** Stops the server, pending controller timers and hung requests. */
  close(): Promise<void>;
}

interface ResourceDef {
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
  /** Custom resources: list items carry apiVersion/kind and strategic merge patch is rejected. */
  custom: boolean;
  verbs: ReadonlySet<string>;
  fields: Record<string, FieldGetter<JsonObject>>;
}

function fieldPath(path: string): FieldGetter<JsonObject> {
  const segments = path.split('.');
  return (obj) => {
    let current: Json | undefined = obj;
    for (const segment of segments) current = isJsonObject(current) ? current[segment] : undefined;
    if (current === undefined || current === null) return '';
    return typeof current === 'object' ? JSON.stringify(current) : String(current);
  };
}

function fieldsOf(...paths: string[]): Record<string, FieldGetter<JsonObject>> {
  const out: Record<string, FieldGetter<JsonObject>> = {};
  for (const p of ['metadata.name', 'metadata.namespace', ...paths]) out[p] = fieldPath(p);
  return out;
}

const RESOURCES: readonly ResourceDef[] = [
  {
    group: '',
    version: 'v1',
    plural: 'pods',
    kind: 'Pod',
    namespaced: true,
    custom: false,
    verbs: new Set(['get', 'list', 'patch', 'update', 'delete']),
    fields: fieldsOf(
      'spec.nodeName',
      'spec.restartPolicy',
      'spec.schedulerName',
      'spec.serviceAccountName',
      'spec.hostNetwork',
      'status.phase',
      'status.podIP',
      'status.nominatedNodeName',
    ),
  },
  {
    group: '',
    version: 'v1',
    plural: 'nodes',
    kind: 'Node',
    namespaced: false,
    custom: false,
    verbs: new Set(['get', 'list']),
    fields: fieldsOf('spec.unschedulable'),
  },
  {
    group: '',
    version: 'v1',
    plural: 'events',
    kind: 'Event',
    namespaced: true,
    custom: false,
    verbs: new Set(['get', 'list']),
    fields: {
      ...fieldsOf(
        'involvedObject.kind',
        'involvedObject.namespace',
        'involvedObject.name',
        'involvedObject.uid',
        'involvedObject.apiVersion',
        'involvedObject.resourceVersion',
        'involvedObject.fieldPath',
        'reason',
        'reportingComponent',
        'type',
      ),
      source: fieldPath('source.component'),
    },
  },
  {
    group: 'apps',
    version: 'v1',
    plural: 'deployments',
    kind: 'Deployment',
    namespaced: true,
    custom: false,
    verbs: new Set(['get', 'list', 'patch', 'update']),
    fields: fieldsOf(),
  },
  {
    group: 'networking.k8s.io',
    version: 'v1',
    plural: 'ingresses',
    kind: 'Ingress',
    namespaced: true,
    custom: false,
    verbs: new Set(['get', 'list', 'patch', 'update']),
    fields: fieldsOf(),
  },
  {
    group: 'cert-manager.io',
    version: 'v1',
    plural: 'certificates',
    kind: 'Certificate',
    namespaced: true,
    custom: true,
    verbs: new Set(['get', 'list', 'patch', 'update']),
    fields: fieldsOf(),
  },
  {
    group: '',
    version: 'v1',
    plural: 'secrets',
    kind: 'Secret',
    namespaced: true,
    custom: false,
    verbs: new Set(['get', 'list', 'patch', 'update']),
    fields: fieldsOf('type'),
  },
  {
    group: 'cert-manager.io',
    version: 'v1',
    plural: 'certificaterequests',
    kind: 'CertificateRequest',
    namespaced: true,
    custom: true,
    verbs: new Set(['get', 'list']),
    fields: fieldsOf(),
  },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    plural: 'rolebindings',
    kind: 'RoleBinding',
    namespaced: true,
    custom: false,
    verbs: new Set(['get', 'list']),
    fields: fieldsOf(),
  },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    plural: 'clusterrolebindings',
    kind: 'ClusterRoleBinding',
    namespaced: false,
    custom: false,
    verbs: new Set(['get', 'list']),
    fields: fieldsOf(),
  },
  {
    group: 'networking.k8s.io',
    version: 'v1',
    plural: 'networkpolicies',
    kind: 'NetworkPolicy',
    namespaced: true,
    custom: false,
    verbs: new Set(['get', 'list']),
    fields: fieldsOf(),
  },
  {
    group: '',
    version: 'v1',
    plural: 'services',
    kind: 'Service',
    namespaced: true,
    custom: false,
    verbs: new Set(['get', 'list']),
    fields: fieldsOf('spec.clusterIP', 'spec.type'),
  },
  {
    group: 'argoproj.io',
    version: 'v1alpha1',
    plural: 'rollouts',
    kind: 'Rollout',
    namespaced: true,
    custom: true,
    verbs: new Set(['get', 'list', 'patch', 'update']),
    fields: fieldsOf(),
  },
  {
    group: 'apps',
    version: 'v1',
    plural: 'replicasets',
    kind: 'ReplicaSet',
    namespaced: true,
    custom: false,
    verbs: new Set(['get', 'list']),
    fields: fieldsOf(),
  },
  {
    group: 'batch',
    version: 'v1',
    plural: 'jobs',
    kind: 'Job',
    namespaced: true,
    custom: false,
    verbs: new Set(['get', 'list', 'create', 'delete']),
    fields: fieldsOf('status.successful'),
  },
];

const PATCH_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/apply-patch+yaml',
  'application/strategic-merge-patch+json',
  'application/apply-patch+cbor',
];

interface Route {
  group: string;
  version: string;
  namespace: string | undefined;
  plural: string;
  name: string | undefined;
  subresource: string | undefined;
}

function parseRoute(pathname: string): Route | undefined {
  const parts = pathname
    .split('/')
    .filter((p) => p !== '')
    .map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts[1]) {
    group = '';
    version = parts[1];
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts[1] && parts[2]) {
    group = parts[1];
    version = parts[2];
    rest = parts.slice(3);
  } else {
    return undefined;
  }
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [plural, name, subresource, ...extra] = rest;
  if (!plural || extra.length > 0) return undefined;
  return { group, version, namespace, plural, name, subresource };
}

function isPodReady(pod: JsonObject): boolean {
  const conditions = objectAt(pod, 'status')?.conditions;
  if (!Array.isArray(conditions)) return false;
  return conditions.some((c) => isJsonObject(c) && c.type === 'Ready' && c.status === 'True');
}

function isTerminating(obj: JsonObject): boolean {
  return stringAt(objectAt(obj, 'metadata'), 'deletionTimestamp') !== undefined;
}

function metaOf(obj: JsonObject): JsonObject {
  return ensureObjectAt(obj, 'metadata');
}

function nameOf(obj: JsonObject): string {
  const name = stringAt(objectAt(obj, 'metadata'), 'name');
  if (name === undefined) throw new Error('Kubernetes object is missing metadata.name');
  return name;
}

function replicasOf(deployment: JsonObject): number {
  return numberAt(objectAt(deployment, 'spec'), 'replicas') ?? 1;
}

function selectorOf(deployment: JsonObject): Record<string, string> {
  return stringMapAt(objectAt(deployment, 'spec', 'selector'), 'matchLabels');
}

function templateOf(deployment: JsonObject): JsonObject {
  return objectAt(deployment, 'spec', 'template') ?? {};
}

function containerNamesOf(pod: JsonObject): string[] {
  const containers = objectAt(pod, 'spec')?.containers;
  if (!Array.isArray(containers)) return [];
  return containers.flatMap((c) => (isJsonObject(c) && typeof c.name === 'string' ? [c.name] : []));
}

function invalidReplicas(kind: string, group: string, name: string, value: Json | undefined): JsonObject {
  const detail = `Invalid value: ${JSON.stringify(value)}: must be greater than or equal to 0`;
  return kubeStatus(422, `${kind}.${group} "${name}" is invalid: spec.replicas: ${detail}`, {
    name,
    group,
    kind,
    causes: [{ reason: 'FieldValueInvalid', message: detail, field: 'spec.replicas' }],
  });
}

class KubeHttpError extends Error {
  readonly status: JsonObject;
  readonly code: number;

  constructor(code: number, status: JsonObject) {
    super(typeof status.message === 'string' ? status.message : `HTTP ${code}`);
    this.code = code;
    this.status = status;
  }
}

interface DeploymentController {
  podsBecomeReady: boolean;
  observedGeneration: number;
}

class FakeKubeServer implements FakeKube {
  url = '';
  readonly requests: KubeRequest[] = [];
  latencyMs = 0;
  rolloutDelayMs = 0;
  metricsAvailable = true;
  certManager: CertManagerSimulation = { outcome: 'never', validDays: 90 };
  jobRunner: JobRunner | undefined = undefined;
  readonly argo = new ArgoRolloutsController({
    find: (plural, namespace, name) => this.find(this.argoDef(plural), namespace, name),
    put: (plural, namespace, obj) => this.put(this.argoDef(plural), namespace, obj),
    list: (plural, namespace) => this.list(this.argoDef(plural), namespace),
  });

  private resourceVersion = 1000;
  private readonly store = new Map<string, Map<string, JsonObject>>();
  private readonly controllers = new Map<string, DeploymentController>();
  private readonly startingPods = new Set<string>();
  private readonly logs = new Map<string, string>();
  private readonly metrics = new Map<string, Map<string, PodUsage>>();
  private readonly faults: Array<{ pattern: RegExp; code: number; method?: string; message?: string; times?: number }> =
    [];
  private readonly hangs: RegExp[] = [];
  private readonly hungResponses = new Set<ServerResponse>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly scheduled = new Set<string>();
  private closeServer: () => Promise<void> = async () => {};
  private readonly exec = new ExecEndpoint({
    findPod: (namespace, name) => this.find(this.podsDef(), namespace, name),
    record: (req) => this.requests.push({ ...req, body: undefined, contentType: undefined }),
    fault: (path, method) => {
      const fault = this.faults.find(
        (f) => f.pattern.test(path) && (f.method === undefined || f.method.toUpperCase() === method.toUpperCase()),
      );
      return fault ? kubeFaultStatus(fault.code, fault.message) : undefined;
    },
    hangs: (path) => this.hangs.some((p) => p.test(path)),
  });

  get execs(): readonly ExecCall[] {
    return this.exec.calls;
  }

  onExec(handler: ExecHandler | undefined): void {
    this.exec.handler = handler;
  }

  async start(): Promise<void> {
    const server = await startLocalHttpServer(
      (req, res) => this.handle(req, res),
      (req, socket, head) => this.exec.upgrade(req, socket, head),
    );
    this.url = server.origin;
    this.closeServer = () => server.close();
  }

  // ---- state helpers -------------------------------------------------------------------------

  private bucket(def: ResourceDef): Map<string, JsonObject> {
    const key = `${def.group}/${def.plural}`;
    let bucket = this.store.get(key);
    if (!bucket) {
      bucket = new Map();
      this.store.set(key, bucket);
    }
    return bucket;
  }

  private def(group: string, plural: string): ResourceDef {
    const def = RESOURCES.find((r) => r.group === group && r.plural === plural);
    if (!def) throw new Error(`unknown resource ${plural}.${group}`);
    return def;
  }

  private argoDef(plural: 'rollouts' | 'replicasets'): ResourceDef {
    return plural === 'rollouts' ? this.def('argoproj.io', 'rollouts') : this.def('apps', 'replicasets');
  }

  /** PATCH/GET of `rollouts/{name}/status`: only the status is taken from the patched object; the controller reacts. */
  private rolloutStatus(
    method: string,
    namespace: string,
    name: string,
    raw: string,
    contentType: string | undefined,
  ): JsonObject {
    const def = this.argoDef('rollouts');
    const existing = this.find(def, namespace, name);
    if (!existing) throw new KubeHttpError(404, kubeNotFound(def.plural, def.group, name));
    if (method === 'GET') return existing;
    if (method !== 'PATCH') throw this.methodNotAllowed();
    const patched = this.applyPatch(def, existing, raw, contentType);
    const next = cloneJson(existing);
    if (patched.status === undefined) delete next.status;
    else next.status = patched.status;
    this.put(def, namespace, next);
    this.argo.reconcile(namespace, name);
    return this.find(def, namespace, name) ?? next;
  }

  private nextResourceVersion(): string {
    this.resourceVersion += 1;
    return String(this.resourceVersion);
  }

  private put(def: ResourceDef, namespace: string | undefined, obj: JsonObject): JsonObject {
    const meta = metaOf(obj);
    const name = nameOf(obj);
    if (def.namespaced) meta.namespace = namespace ?? 'default';
    else delete meta.namespace;
    meta.uid ??= randomUUID();
    meta.creationTimestamp ??= kubeTime(new Date());
    meta.resourceVersion = this.nextResourceVersion();
    obj.apiVersion ??= def.group === '' ? def.version : `${def.group}/${def.version}`;
    obj.kind ??= def.kind;
    this.bucket(def).set(`${def.namespaced ? (namespace ?? 'default') : ''}/${name}`, obj);
    return obj;
  }

  private find(def: ResourceDef, namespace: string | undefined, name: string): JsonObject | undefined {
    return this.bucket(def).get(`${def.namespaced ? (namespace ?? '') : ''}/${name}`);
  }

  private remove(def: ResourceDef, namespace: string | undefined, name: string): void {
    this.bucket(def).delete(`${def.namespaced ? (namespace ?? '') : ''}/${name}`);
  }

  private list(def: ResourceDef, namespace: string | undefined): JsonObject[] {
    const out: JsonObject[] = [];
    for (const [key, obj] of this.bucket(def)) {
      if (namespace === undefined || key.startsWith(`${namespace}/`)) out.push(obj);
    }
    return out.sort((a, b) => {
      const ak = `${stringAt(objectAt(a, 'metadata'), 'namespace') ?? ''}/${nameOf(a)}`;
      const bk = `${stringAt(objectAt(b, 'metadata'), 'namespace') ?? ''}/${nameOf(b)}`;
      return ak < bk ? -1 : ak > bk ? 1 : 0;
    });
  }

  private schedule(key: string, step: () => void): void {
    if (this.scheduled.has(key)) return;
    this.scheduled.add(key);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.scheduled.delete(key);
      step();
    }, this.rolloutDelayMs);
    this.timers.add(timer);
  }

  // ---- deployment controller ------------------------------------------------------------------

  private podsDef(): ResourceDef {
    return this.def('', 'pods');
  }

  private deploymentsDef(): ResourceDef {
    return this.def('apps', 'deployments');
  }

  private podsOf(deployment: JsonObject): JsonObject[] {
    const namespace = stringAt(objectAt(deployment, 'metadata'), 'namespace');
    const selector = selectorOf(deployment);
    return this.list(this.podsDef(), namespace).filter((pod) =>
      matchesLabels(selector, stringMapAt(objectAt(pod, 'metadata'), 'labels')),
    );
  }

  private newDeploymentPod(
    deployment: JsonObject,
    hash: string,
    running: boolean,
    ready: boolean,
    startedAt: Date,
  ): JsonObject {
    const meta = metaOf(deployment);
    const name = nameOf(deployment);
    const namespace = stringAt(meta, 'namespace') ?? 'default';
    const template = templateOf(deployment);
    const templateLabels = stringMapAt(objectAt(template, 'metadata'), 'labels');
    const containers = objectAt(template, 'spec')?.containers;
    const first = Array.isArray(containers) ? containers[0] : undefined;
    const image = isJsonObject(first) ? stringAt(first, 'image') : undefined;
    const names = Array.isArray(containers)
      ? containers.flatMap((c) => (isJsonObject(c) && typeof c.name === 'string' ? [c.name] : []))
      : ['app'];
    const pod = podFixture({
      name: `${name}-${hash}-${kubeSafeString(5)}`,
      namespace,
      labels: { ...templateLabels, 'pod-template-hash': hash },
      phase: running ? 'Running' : 'Pending',
      ready: running && ready,
      containers: names,
      ...(image === undefined ? {} : { image }),
      nodeName: 'node-1',
      startedAt,
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: `${name}-${hash}`,
          uid: randomUUID(),
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    });
    return pod;
  }

  private refreshDeploymentStatus(deployment: JsonObject): void {
    const controller = this.controllers.get(this.deploymentKey(deployment));
    const meta = metaOf(deployment);
    const generation = numberAt(meta, 'generation') ?? 1;
    const specReplicas = replicasOf(deployment);
    const hash = podTemplateHash(templateOf(deployment));
    const active = this.podsOf(deployment).filter((p) => !isTerminating(p));
    const updated = active.filter((p) => {
      const podHash = stringMapAt(objectAt(p, 'metadata'), 'labels')['pod-template-hash'];
      return podHash === undefined || podHash === hash;
    }).length;
    const ready = active.filter(isPodReady).length;
    const observed = controller?.observedGeneration ?? generation;
    const maxUnavailable = Math.floor(specReplicas * 0.25);
    const availableOk = ready >= specReplicas - maxUnavailable;
    const complete =
      observed >= generation && updated === specReplicas && active.length === specReplicas && ready === specReplicas;
    const rsName = `${nameOf(deployment)}-${hash}`;
    const previous = objectAt(deployment, 'status');
    const previousConditions = previous?.conditions;
    const now = kubeTime(new Date());
    const conditionFor = (type: string, status: string, reason: string, message: string): JsonObject => {
      const before = Array.isArray(previousConditions)
        ? previousConditions.find((c) => isJsonObject(c) && c.type === type)
        : undefined;
      const sameStatus = isJsonObject(before) && before.status === status;
      const sameReason = sameStatus && isJsonObject(before) && before.reason === reason;
      return {
        type,
        status,
        lastUpdateTime: sameReason && isJsonObject(before) ? (stringAt(before, 'lastUpdateTime') ?? now) : now,
        lastTransitionTime: sameStatus && isJsonObject(before) ? (stringAt(before, 'lastTransitionTime') ?? now) : now,
        reason,
        message,
      };
    };
    const status: JsonObject = { observedGeneration: observed };
    if (active.length > 0) status.replicas = active.length;
    if (updated > 0) status.updatedReplicas = updated;
    if (ready > 0) status.readyReplicas = ready;
    if (ready > 0) status.availableReplicas = ready;
    if (specReplicas - ready > 0) status.unavailableReplicas = specReplicas - ready;
    status.conditions = [
      availableOk
        ? conditionFor('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.')
        : conditionFor(
            'Available',
            'False',
            'MinimumReplicasUnavailable',
            'Deployment does not have minimum availability.',
          ),
      complete
        ? conditionFor(
            'Progressing',
            'True',
            'NewReplicaSetAvailable',
            `ReplicaSet "${rsName}" has successfully progressed.`,
          )
        : conditionFor('Progressing', 'True', 'ReplicaSetUpdated', `ReplicaSet "${rsName}" is progressing.`),
    ];
    const comparable = (s: Json | undefined): string =>
      JSON.stringify(s, (key: string, value: unknown) =>
        key === 'lastUpdateTime' || key === 'lastTransitionTime' ? undefined : value,
      );
    if (comparable(previous) !== comparable(status)) {
      deployment.status = status;
      meta.resourceVersion = this.nextResourceVersion();
    }
  }

  private deploymentKey(deployment: JsonObject): string {
    return `${stringAt(objectAt(deployment, 'metadata'), 'namespace') ?? ''}/${nameOf(deployment)}`;
  }

  private refreshDeploymentsIn(namespace: string | undefined): void {
    for (const deployment of this.list(this.deploymentsDef(), namespace)) this.refreshDeploymentStatus(deployment);
  }

  private scheduleReconcile(deployment: JsonObject): void {
    const key = this.deploymentKey(deployment);
    this.schedule(`deployment:${key}`, () => this.reconcileStep(key));
  }

  /** One controller step: finish terminations, start pending pods, then converge pod count and template. */
  private reconcileStep(key: string): void {
    const [namespace, name] = key.split('/');
    if (namespace === undefined || name === undefined) return;
    const deployment = this.find(this.deploymentsDef(), namespace, name);
    const controller = this.controllers.get(key);
    if (!deployment || !controller) return;
    let changed = false;

    for (const pod of this.podsOf(deployment)) {
      const podKey = `${namespace}/${nameOf(pod)}`;
      if (isTerminating(pod)) {
        this.remove(this.podsDef(), namespace, nameOf(pod));
        changed = true;
      } else if (this.startingPods.has(podKey)) {
        this.startingPods.delete(podKey);
        // Containers started: take spec/status from a running pod built from the same template.
        const podHash = stringMapAt(objectAt(pod, 'metadata'), 'labels')['pod-template-hash'] ?? '';
        const running = this.newDeploymentPod(deployment, podHash, true, controller.podsBecomeReady, new Date());
        pod.spec = running.spec ?? {};
        pod.status = running.status ?? {};
        metaOf(pod).resourceVersion = this.nextResourceVersion();
        changed = true;
      }
    }

    const generation = numberAt(metaOf(deployment), 'generation') ?? 1;
    if (controller.observedGeneration !== generation) {
      controller.observedGeneration = generation;
      changed = true;
    }

    const hash = podTemplateHash(templateOf(deployment));
    const active = this.podsOf(deployment).filter((p) => !isTerminating(p));
    const current: JsonObject[] = [];
    for (const pod of active) {
      const podHash = stringMapAt(objectAt(pod, 'metadata'), 'labels')['pod-template-hash'];
      if (podHash !== undefined && podHash !== hash) {
        this.markTerminating(pod);
        changed = true;
      } else {
        current.push(pod);
      }
    }
    const desired = replicasOf(deployment);
    if (current.length < desired) {
      for (let i = current.length; i < desired; i += 1) {
        const pending = this.newDeploymentPod(deployment, hash, false, false, new Date());
        const pod = this.put(this.podsDef(), namespace, pending);
        this.startingPods.add(`${namespace}/${nameOf(pod)}`);
      }
      changed = true;
    } else if (current.length > desired) {
      const victims = [...current]
        .sort((a, b) => {
          const readyDiff = Number(isPodReady(a)) - Number(isPodReady(b));
          if (readyDiff !== 0) return readyDiff;
          const at = stringAt(objectAt(a, 'metadata'), 'creationTimestamp') ?? '';
          const bt = stringAt(objectAt(b, 'metadata'), 'creationTimestamp') ?? '';
          return at < bt ? 1 : at > bt ? -1 : 0;
        })
        .slice(0, current.length - desired);
      for (const pod of victims) this.markTerminating(pod);
      changed = true;
    }

    this.refreshDeploymentStatus(deployment);
    const unsettled = this.podsOf(deployment).some(
      (p) => isTerminating(p) || this.startingPods.has(`${namespace}/${nameOf(p)}`),
    );
    if (changed || unsettled) this.scheduleReconcile(deployment);
  }

  private markTerminating(pod: JsonObject): void {
    const meta = metaOf(pod);
    if (meta.deletionTimestamp !== undefined) return;
    meta.deletionTimestamp = kubeTime(new Date(Date.now() + 30_000));
    meta.deletionGracePeriodSeconds = 30;
    meta.resourceVersion = this.nextResourceVersion();
  }

  private controllingDeployments(pod: JsonObject): JsonObject[] {
    const namespace = stringAt(objectAt(pod, 'metadata'), 'namespace');
    const labels = stringMapAt(objectAt(pod, 'metadata'), 'labels');
    return this.list(this.deploymentsDef(), namespace).filter((d) => matchesLabels(selectorOf(d), labels));
  }

  // ---- public test API ------------------------------------------------------------------------

  addPod(namespace: string, pod: JsonObject): JsonObject {
    const stored = this.put(this.podsDef(), namespace, cloneJson(pod));
    this.refreshDeploymentsIn(namespace);
    return cloneJson(stored);
  }

  updatePod(namespace: string, name: string, mutate: (pod: JsonObject) => void): void {
    const pod = this.find(this.podsDef(), namespace, name);
    if (!pod) throw new Error(`FakeKube.updatePod: pod ${namespace}/${name} does not exist`);
    mutate(pod);
    metaOf(pod).resourceVersion = this.nextResourceVersion();
    this.refreshDeploymentsIn(namespace);
  }

  removePod(namespace: string, name: string): void {
    this.remove(this.podsDef(), namespace, name);
    this.refreshDeploymentsIn(namespace);
  }

  pods(namespace: string): JsonObject[] {
    return this.list(this.podsDef(), namespace).map((p) => cloneJson(p));
  }

  addNode(name: string, ready: boolean): JsonObject {
    return cloneJson(this.put(this.def('', 'nodes'), undefined, nodeFixture(name, ready)));
  }

  addDeployment(namespace: string, name: string, options: AddDeploymentOptions = {}): JsonObject {
    const deployment = this.put(this.deploymentsDef(), namespace, deploymentFixture(namespace, name, options));
    this.controllers.set(`${namespace}/${name}`, {
      podsBecomeReady: options.podsBecomeReady ?? true,
      observedGeneration: 1,
    });
    if (options.createPods ?? true) {
      const hash = podTemplateHash(templateOf(deployment));
      for (let i = 0; i < replicasOf(deployment); i += 1) {
        const ready = options.podsBecomeReady ?? true;
        const pod = this.newDeploymentPod(deployment, hash, true, ready, new Date(Date.now() - 3_600_000));
        this.put(this.podsDef(), namespace, pod);
      }
    }
    this.refreshDeploymentStatus(deployment);
    return cloneJson(deployment);
  }

  deployment(namespace: string, name: string): JsonObject | undefined {
    const found = this.find(this.deploymentsDef(), namespace, name);
    return found ? cloneJson(found) : undefined;
  }

  setPodLogs(namespace: string, podName: string, text: string, options: PodLogOptions = {}): void {
    this.logs.set(this.logKey(namespace, podName, options.container, options.previous ?? false), text);
  }

  private logKey(namespace: string, pod: string, container: string | undefined, previous: boolean): string {
    return `${namespace}/${pod}/${container ?? '*'}/${previous ? 'previous' : 'current'}`;
  }

  setPodMetrics(namespace: string, podName: string, usage: PodUsage, container?: string): void {
    const key = `${namespace}/${podName}`;
    const byContainer = this.metrics.get(key) ?? new Map<string, PodUsage>();
    byContainer.set(container ?? '*', { ...usage });
    this.metrics.set(key, byContainer);
  }

  addCertificate(namespace: string, name: string, options: CertificateFixtureOptions): JsonObject {
    return cloneJson(
      this.put(this.def('cert-manager.io', 'certificates'), namespace, certificateFixture(namespace, name, options)),
    );
  }

  addEvent(namespace: string, options: EventFixtureOptions): JsonObject {
    return cloneJson(this.put(this.def('', 'events'), namespace, eventFixture(namespace, options)));
  }

  addIngress(namespace: string, name: string, options: IngressFixtureOptions): JsonObject {
    return cloneJson(
      this.put(this.def('networking.k8s.io', 'ingresses'), namespace, ingressFixture(namespace, name, options)),
    );
  }

  ingress(namespace: string, name: string): JsonObject | undefined {
    const found = this.find(this.def('networking.k8s.io', 'ingresses'), namespace, name);
    return found ? cloneJson(found) : undefined;
  }

  addSecret(namespace: string, name: string, type: string, data: Record<string, string>): JsonObject {
    return cloneJson(this.put(this.def('', 'secrets'), namespace, secretFixture(namespace, name, type, data)));
  }

  secret(namespace: string, name: string): JsonObject | undefined {
    const found = this.find(this.def('', 'secrets'), namespace, name);
    return found ? cloneJson(found) : undefined;
  }

  certificate(namespace: string, name: string): JsonObject | undefined {
    const found = this.find(this.def('cert-manager.io', 'certificates'), namespace, name);
    return found ? cloneJson(found) : undefined;
  }

  certificateRequests(namespace: string): JsonObject[] {
    return this.list(this.def('cert-manager.io', 'certificaterequests'), namespace).map((r) => cloneJson(r));
  }

  /** PUT/GET of `certificates/{name}/status`; an update that sets Issuing=True starts the simulated cert-manager. */
  private certificateStatus(method: string, namespace: string, name: string, raw: string): JsonObject {
    const def = this.def('cert-manager.io', 'certificates');
    const existing = this.find(def, namespace, name);
    if (!existing) throw new KubeHttpError(404, kubeNotFound(def.plural, def.group, name));
    if (method === 'GET') return existing;
    if (method !== 'PUT') throw this.methodNotAllowed();
    const body = this.parseBody(raw);
    if (!isJsonObject(body)) throw this.badRequest('the body of the request must be a JSON object');
    this.checkResourceVersion(def, existing, body);
    const stored = this.put(def, namespace, certificateStatusWrite(existing, body));
    if (
      hasTrueCondition(stored, 'Issuing') &&
      !hasTrueCondition(existing, 'Issuing') &&
      this.certManager.outcome !== 'never'
    ) {
      const sim = { ...this.certManager };
      this.schedule(`issue:${namespace}/${name}`, () => {
        const current = this.find(def, namespace, name);
        if (!current || !hasTrueCondition(current, 'Issuing')) return;
        const { certificate, request } = simulateIssuance(current, sim, new Date());
        this.put(this.def('cert-manager.io', 'certificaterequests'), namespace, request);
        this.put(def, namespace, certificate);
      });
    }
    return stored;
  }

  addResource(group: string, plural: string, namespace: string | undefined, obj: JsonObject): JsonObject {
    return cloneJson(this.put(this.def(group, plural), namespace, cloneJson(obj)));
  }

  jobs(namespace: string): JsonObject[] {
    return this.list(this.def('batch', 'jobs'), namespace).map((j) => cloneJson(j));
  }

  finishJob(namespace: string, name: string, outcome: JobOutcome): void {
    const job = this.find(this.def('batch', 'jobs'), namespace, name);
    const pod = this.list(this.podsDef(), namespace).find(
      (p) => stringMapAt(objectAt(p, 'metadata'), 'labels')['batch.kubernetes.io/job-name'] === name,
    );
    if (!job) throw new Error(`FakeKube.finishJob: no job ${namespace}/${name}`);
    // A pod deleted under a running Job counts as failed; the Job still ends, with no pod left to read.
    if (pod) {
      for (const [container, text] of Object.entries(outcome.logs ?? {})) {
        this.setPodLogs(namespace, nameOf(pod), text, { container });
      }
    }
    jobFinished(job, pod, outcome, new Date());
    if (pod) this.put(this.podsDef(), namespace, pod);
    this.put(this.def('batch', 'jobs'), namespace, job);
  }

  /** POST of a Job: admitted as the API server does, then the Job controller starts its pod. */
  private createJob(namespace: string, raw: string): JsonObject {
    const def = this.def('batch', 'jobs');
    const body = this.parseBody(raw);
    if (!isJsonObject(body)) throw this.badRequest('the body of the request must be a JSON object');
    let job: JsonObject;
    try {
      job = admitJob(body, (name) => this.find(def, namespace, name) !== undefined);
    } catch (error) {
      if (error instanceof JobCreateError) throw new KubeHttpError(error.code, error.status);
      throw error;
    }
    const stored = this.put(def, namespace, job);
    const name = nameOf(stored);
    this.schedule(`job:${namespace}/${name}`, () => {
      const current = this.find(def, namespace, name);
      if (!current) return;
      const now = new Date();
      this.put(this.podsDef(), namespace, jobPod(current, now));
      jobRunning(current, now);
      this.put(def, namespace, current);
      const outcome = this.jobRunner?.(cloneJson(current));
      if (outcome) this.schedule(`job-end:${namespace}/${name}`, () => this.finishJob(namespace, name, outcome));
    });
    return cloneJson(stored);
  }

  /** DELETE of a Job: Background or Foreground propagation removes its pods too; the default (orphan) keeps them. */
  private deleteJob(namespace: string, job: JsonObject, url: URL, raw: string): JsonObject {
    const name = nameOf(job);
    const body = raw === '' ? undefined : tryParseJson(raw);
    const policy =
      url.searchParams.get('propagationPolicy') ??
      (isJsonObject(body) ? stringAt(body, 'propagationPolicy') : undefined);
    this.remove(this.def('batch', 'jobs'), namespace, name);
    if (policy === 'Background' || policy === 'Foreground') {
      for (const pod of this.list(this.podsDef(), namespace)) {
        if (stringMapAt(objectAt(pod, 'metadata'), 'labels')['batch.kubernetes.io/job-name'] === name) {
          this.remove(this.podsDef(), namespace, nameOf(pod));
        }
      }
    }
    return job;
  }

  failWith(pathRegex: RegExp, code: number, options: { method?: string; message?: string; times?: number } = {}): void {
    this.faults.push({ pattern: pathRegex, code, ...options });
  }

  hang(pathRegex: RegExp): void {
    this.hangs.push(pathRegex);
  }

  clearFaults(): void {
    this.faults.length = 0;
    this.hangs.length = 0;
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.scheduled.clear();
    for (const res of this.hungResponses) res.destroy();
    this.hungResponses.clear();
    this.exec.close();
    await this.closeServer();
  }

  // ---- HTTP ----------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = (req.method ?? 'GET').toUpperCase();
    const raw = (await readRequestBody(req)).toString('utf8');
    const contentType = req.headers['content-type'];
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) query[k] = v;
    const parsedBody = raw === '' ? undefined : tryParseJson(raw);
    const body = raw === '' ? undefined : (parsedBody ?? raw);
    this.requests.push({ method, path: url.pathname, query, body, contentType });

    if (this.hangs.some((p) => p.test(url.pathname))) {
      this.hungResponses.add(res);
      res.on('close', () => this.hungResponses.delete(res));
      return;
    }
    await delay(this.latencyMs);
    const fault = this.faults.find(
      (f) => f.pattern.test(url.pathname) && (f.method === undefined || f.method.toUpperCase() === method),
    );
    if (fault) {
      // A fault with `times` answers that many matching requests, then the API behaves again.
      if (fault.times !== undefined && --fault.times <= 0) this.faults.splice(this.faults.indexOf(fault), 1);
      this.sendStatus(res, kubeFaultStatus(fault.code, fault.message));
      return;
    }
    try {
      const result = this.route(method, url, raw, contentType);
      if (typeof result === 'string') {
        sendText(res, 200, result, 'text/plain');
      } else {
        sendJson(res, 200, result, this.headers());
      }
    } catch (error) {
      if (error instanceof KubeHttpError) {
        this.sendStatus(res, error.status);
        return;
      }
      throw error;
    }
  }

  private headers(): Record<string, string> {
    return { 'audit-id': randomUUID(), 'cache-control': 'no-cache, private' };
  }

  private sendStatus(res: ServerResponse, status: JsonObject): void {
    const code = numberAt(status, 'code') ?? 500;
    sendJson(res, code, status, this.headers());
  }

  private route(method: string, url: URL, raw: string, contentType: string | undefined): Json | string {
    const route = parseRoute(url.pathname);
    if (!route) throw new KubeHttpError(404, kubeUnknownPath());
    if (route.group === 'metrics.k8s.io') return this.routeMetrics(method, route, url);
    const def = RESOURCES.find(
      (r) => r.group === route.group && r.version === route.version && r.plural === route.plural,
    );
    if (!def || (def.namespaced === false && route.namespace !== undefined))
      throw new KubeHttpError(404, kubeUnknownPath());
    if (url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1') {
      throw new KubeHttpError(400, kubeStatus(400, 'watch requests are not supported by the fake API server', {}));
    }

    if (route.name === undefined) {
      if (method === 'POST' && def.plural === 'jobs') return this.createJob(route.namespace ?? 'default', raw);
      if (method !== 'GET') throw this.methodNotAllowed();
      return this.listResponse(def, route.namespace, url);
    }
    const name = route.name;
    if (def.namespaced && route.namespace === undefined) throw new KubeHttpError(404, kubeUnknownPath());

    if (route.subresource === 'exec' && def.plural === 'pods')
      throw new KubeHttpError(400, ExecEndpoint.upgradeRequired());
    if (route.subresource === 'log' && def.plural === 'pods') {
      if (method !== 'GET') throw this.methodNotAllowed();
      return this.podLog(route.namespace ?? 'default', name, url);
    }
    if (route.subresource === 'scale' && def.plural === 'deployments') {
      return this.deploymentScale(method, route.namespace ?? 'default', name, raw, contentType);
    }
    if (route.subresource === 'status' && def.plural === 'certificates') {
      return this.certificateStatus(method, route.namespace ?? 'default', name, raw);
    }
    if (route.subresource === 'status' && def.plural === 'rollouts') {
      return this.rolloutStatus(method, route.namespace ?? 'default', name, raw, contentType);
    }
    if (route.subresource !== undefined) throw new KubeHttpError(404, kubeUnknownPath());

    const existing = this.find(def, route.namespace, name);
    switch (method) {
      case 'GET':
        if (!existing) throw new KubeHttpError(404, kubeNotFound(def.plural, def.group, name));
        return existing;
      case 'PATCH': {
        if (!def.verbs.has('patch')) throw this.methodNotAllowed();
        if (!existing) throw new KubeHttpError(404, kubeNotFound(def.plural, def.group, name));
        const patched = this.applyPatch(def, existing, raw, contentType);
        return this.replaceObject(def, route.namespace, existing, patched);
      }
      case 'PUT': {
        if (!def.verbs.has('update')) throw this.methodNotAllowed();
        if (!existing) throw new KubeHttpError(404, kubeNotFound(def.plural, def.group, name));
        const replacement = this.parseBody(raw);
        if (!isJsonObject(replacement)) throw this.badRequest('the body of the request must be a JSON object');
        this.checkResourceVersion(def, existing, replacement);
        if (stringAt(objectAt(replacement, 'metadata'), 'name') !== name) {
          throw this.badRequest(
            `the name of the object (${stringAt(objectAt(replacement, 'metadata'), 'name') ?? ''}) does not match the name on the URL (${name})`,
          );
        }
        return this.replaceObject(def, route.namespace, existing, replacement);
      }
      case 'DELETE': {
        if (!def.verbs.has('delete')) throw this.methodNotAllowed();
        if (!existing) throw new KubeHttpError(404, kubeNotFound(def.plural, def.group, name));
        if (def.plural === 'jobs') return this.deleteJob(route.namespace ?? 'default', existing, url, raw);
        return this.deletePod(route.namespace ?? 'default', existing);
      }
      default:
        throw this.methodNotAllowed();
    }
  }

  private methodNotAllowed(): KubeHttpError {
    return new KubeHttpError(
      405,
      kubeStatus(405, 'the server does not allow this method on the requested resource', {}),
    );
  }

  private badRequest(message: string): KubeHttpError {
    return new KubeHttpError(400, kubeStatus(400, message));
  }

  private parseBody(raw: string): Json {
    const parsed = tryParseJson(raw);
    if (parsed === undefined) {
      throw this.badRequest(
        `error decoding patch: invalid character '${raw.trim()[0] ?? ' '}' looking for beginning of value`,
      );
    }
    return parsed;
  }

  private checkResourceVersion(def: ResourceDef, existing: JsonObject, incoming: JsonObject): void {
    const wanted = stringAt(objectAt(incoming, 'metadata'), 'resourceVersion');
    const actual = stringAt(objectAt(existing, 'metadata'), 'resourceVersion');
    if (wanted !== undefined && wanted !== actual) {
      const qualified = def.group === '' ? def.plural : `${def.plural}.${def.group}`;
      const name = nameOf(existing);
      throw new KubeHttpError(
        409,
        kubeStatus(
          409,
          `Operation cannot be fulfilled on ${qualified} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
          { name, group: def.group, kind: def.plural },
        ),
      );
    }
  }

  private applyPatch(def: ResourceDef, existing: JsonObject, raw: string, contentType: string | undefined): JsonObject {
    const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    const accepted = def.custom ? PATCH_TYPES.filter((t) => !t.startsWith('application/strategic')) : PATCH_TYPES;
    const unsupported = (): KubeHttpError =>
      new KubeHttpError(
        415,
        kubeStatus(
          415,
          `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
        ),
      );
    let result: Json;
    if (
      mediaType === 'application/merge-patch+json' ||
      (mediaType === 'application/strategic-merge-patch+json' && !def.custom)
    ) {
      const patch = this.parseBody(raw);
      if (!isJsonObject(patch))
        throw this.badRequest('json: cannot unmarshal array into Go value of type map[string]interface {}');
      result = applyMergePatch(existing, patch);
    } else if (mediaType === 'application/json-patch+json') {
      const patch = this.parseBody(raw);
      if (!Array.isArray(patch)) {
        throw this.badRequest('json: cannot unmarshal object into Go value of type []handlers.jsonPatchOp');
      }
      try {
        result = applyJsonPatch(existing, patch);
      } catch (error) {
        if (error instanceof JsonPatchError) {
          throw new KubeHttpError(error.status, kubeStatus(error.status, error.message));
        }
        throw error;
      }
    } else {
      throw unsupported();
    }
    if (!isJsonObject(result)) throw this.badRequest('patch produced a non-object');
    return result;
  }

  /** Stores an updated object, keeping immutable metadata, bumping generation on spec change, and kicking controllers. */
  private replaceObject(
    def: ResourceDef,
    namespace: string | undefined,
    existing: JsonObject,
    incoming: JsonObject,
  ): JsonObject {
    const next = cloneJson(incoming);
    const oldMeta = metaOf(existing);
    const meta = metaOf(next);
    for (const key of ['name', 'namespace', 'uid', 'creationTimestamp', 'generation', 'deletionTimestamp']) {
      const value = oldMeta[key];
      if (value === undefined) delete meta[key];
      else meta[key] = value;
    }
    next.apiVersion = existing.apiVersion ?? null;
    next.kind = existing.kind ?? null;
    // Status is a subresource: writes to the main resource leave it untouched.
    if (existing.status === undefined) delete next.status;
    else next.status = existing.status;
    const specChanged = JSON.stringify(existing.spec ?? null) !== JSON.stringify(next.spec ?? null);
    if (def.plural === 'deployments') {
      const replicas = objectAt(next, 'spec')?.replicas;
      if (replicas !== undefined && (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0)) {
        throw new KubeHttpError(422, invalidReplicas('Deployment', 'apps', nameOf(existing), replicas));
      }
    }
    if (specChanged && meta.generation !== undefined) meta.generation = (numberAt(oldMeta, 'generation') ?? 1) + 1;
    if (def.plural === 'deployments') {
      const templateChanged = podTemplateHash(templateOf(existing)) !== podTemplateHash(templateOf(next));
      if (templateChanged) {
        const annotations = ensureObjectAt(meta, 'annotations');
        const revision = Number(stringAt(annotations, 'deployment.kubernetes.io/revision') ?? '1');
        annotations['deployment.kubernetes.io/revision'] = String(revision + 1);
      }
    }
    if (def.plural === 'secrets') {
      try {
        normalizeSecretWrite(existing, next);
      } catch (error) {
        if (error instanceof FakeStatusError) throw new KubeHttpError(error.code, error.status);
        throw error;
      }
    }
    const stored = this.put(def, namespace, next);
    if (def.plural === 'deployments') {
      this.refreshDeploymentStatus(stored);
      if (specChanged) this.scheduleReconcile(stored);
    }
    if (def.plural === 'pods') this.refreshDeploymentsIn(namespace);
    if (def.plural === 'rollouts') {
      this.argo.reconcile(namespace ?? 'default', nameOf(stored));
      return this.find(def, namespace, nameOf(stored)) ?? stored;
    }
    return stored;
  }

  private deletePod(namespace: string, pod: JsonObject): JsonObject {
    this.markTerminating(pod);
    const owners = this.controllingDeployments(pod);
    for (const deployment of owners) {
      this.refreshDeploymentStatus(deployment);
      this.scheduleReconcile(deployment);
    }
    if (owners.length === 0) {
      const name = nameOf(pod);
      this.schedule(`pod-delete:${namespace}/${name}`, () => {
        this.remove(this.podsDef(), namespace, name);
      });
    }
    return pod;
  }

  private listResponse(def: ResourceDef, namespace: string | undefined, url: URL): JsonObject {
    const labelSelector = parseLabelSelector(url.searchParams.get('labelSelector') ?? undefined);
    if (!labelSelector.ok) throw this.badRequest(labelSelector.message);
    const fieldSelector = parseFieldSelector(url.searchParams.get('fieldSelector') ?? undefined, def.fields);
    if (!fieldSelector.ok) throw this.badRequest(fieldSelector.message);
    const matching = this.list(def, namespace).filter(
      (obj) => labelSelector.matches(stringMapAt(objectAt(obj, 'metadata'), 'labels')) && fieldSelector.matches(obj),
    );
    const limit = Number(url.searchParams.get('limit') ?? '0');
    const continueToken = url.searchParams.get('continue');
    let start = 0;
    if (continueToken) {
      const decoded = tryParseJson(Buffer.from(continueToken, 'base64').toString('utf8'));
      start = isJsonObject(decoded) ? (numberAt(decoded, 'start') ?? 0) : 0;
    }
    const end = limit > 0 ? Math.min(start + limit, matching.length) : matching.length;
    const page = matching.slice(start, end);
    const metadata: JsonObject = { resourceVersion: String(this.resourceVersion) };
    if (end < matching.length) {
      metadata.continue = Buffer.from(JSON.stringify({ start: end })).toString('base64');
      metadata.remainingItemCount = matching.length - end;
    } else if (def.custom) {
      metadata.continue = '';
    }
    const items = page.map((obj) => {
      const copy = cloneJson(obj);
      if (!def.custom) {
        // Built-in typed lists omit apiVersion/kind on items; custom resource lists keep them.
        delete copy.apiVersion;
        delete copy.kind;
      }
      return copy;
    });
    const apiVersion = def.group === '' ? def.version : `${def.group}/${def.version}`;
    return def.custom
      ? { apiVersion, items, kind: `${def.kind}List`, metadata }
      : { kind: `${def.kind}List`, apiVersion, metadata, items };
  }

  private podLog(namespace: string, name: string, url: URL): string {
    const pod = this.find(this.podsDef(), namespace, name);
    if (!pod) throw new KubeHttpError(404, kubeNotFound('pods', '', name));
    const containers = containerNamesOf(pod);
    const requested = url.searchParams.get('container') ?? undefined;
    let container: string;
    if (requested === undefined) {
      if (containers.length > 1) {
        throw this.badRequest(
          `a container name must be specified for pod ${name}, choose one of: [${containers.join(' ')}]`,
        );
      }
      container = containers[0] ?? 'app';
    } else {
      if (!containers.includes(requested)) throw this.badRequest(`container ${requested} is not valid for pod ${name}`);
      container = requested;
    }
    const previous = url.searchParams.get('previous') === 'true';
    const text =
      this.logs.get(this.logKey(namespace, name, container, previous)) ??
      this.logs.get(this.logKey(namespace, name, undefined, previous));
    if (previous && text === undefined) {
      throw this.badRequest(`previous terminated container "${container}" in pod "${name}" not found`);
    }
    const statuses = objectAt(pod, 'status')?.containerStatuses;
    const status = Array.isArray(statuses) ? statuses.find((s) => isJsonObject(s) && s.name === container) : undefined;
    const waitingReason = isJsonObject(status) ? stringAt(objectAt(status, 'state', 'waiting'), 'reason') : undefined;
    if (!previous && (waitingReason === 'ContainerCreating' || waitingReason === 'PodInitializing')) {
      throw this.badRequest(`container "${container}" in pod "${name}" is waiting to start: ${waitingReason}`);
    }
    let out = text ?? '';
    const tailLines = url.searchParams.get('tailLines');
    if (tailLines !== null) {
      const n = Number(tailLines);
      const endsWithNewline = out.endsWith('\n');
      const lines = (endsWithNewline ? out.slice(0, -1) : out).split('\n');
      out = n <= 0 || out === '' ? '' : lines.slice(-n).join('\n') + (endsWithNewline ? '\n' : '');
    }
    const limitBytes = url.searchParams.get('limitBytes');
    if (limitBytes !== null) {
      const n = Number(limitBytes);
      const bytes = Buffer.from(out, 'utf8');
      if (bytes.length > n) out = bytes.subarray(0, n).toString('utf8');
    }
    return out;
  }

  private scaleOf(deployment: JsonObject): JsonObject {
    const meta = metaOf(deployment);
    const replicas = replicasOf(deployment);
    return {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: {
        name: meta.name ?? null,
        namespace: meta.namespace ?? null,
        uid: meta.uid ?? null,
        resourceVersion: meta.resourceVersion ?? null,
        creationTimestamp: meta.creationTimestamp ?? null,
      },
      spec: replicas === 0 ? {} : { replicas },
      status: {
        replicas: numberAt(objectAt(deployment, 'status'), 'replicas') ?? 0,
        selector: formatLabelSelector(selectorOf(deployment)),
      },
    };
  }

  private deploymentScale(
    method: string,
    namespace: string,
    name: string,
    raw: string,
    contentType: string | undefined,
  ): JsonObject {
    const def = this.deploymentsDef();
    const deployment = this.find(def, namespace, name);
    if (!deployment) throw new KubeHttpError(404, kubeNotFound('deployments', 'apps', name));
    if (method === 'GET') return this.scaleOf(deployment);
    let desired: JsonObject;
    if (method === 'PATCH') {
      desired = this.applyPatch(def, this.scaleOf(deployment), raw, contentType);
    } else if (method === 'PUT') {
      const body = this.parseBody(raw);
      if (!isJsonObject(body)) throw this.badRequest('the body of the request must be a Scale object');
      this.checkResourceVersion(def, deployment, body);
      desired = body;
    } else {
      throw this.methodNotAllowed();
    }
    const replicas = objectAt(desired, 'spec')?.replicas ?? 0;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
      throw new KubeHttpError(422, invalidReplicas('Scale', 'autoscaling', name, replicas));
    }
    if (replicas !== replicasOf(deployment)) {
      const next = cloneJson(deployment);
      ensureObjectAt(next, 'spec').replicas = replicas;
      const stored = this.replaceObject(def, namespace, deployment, next);
      return this.scaleOf(stored);
    }
    return this.scaleOf(deployment);
  }

  private routeMetrics(method: string, route: Route, url: URL): JsonObject {
    if (
      !this.metricsAvailable ||
      route.version !== 'v1beta1' ||
      route.plural !== 'pods' ||
      route.subresource !== undefined
    ) {
      throw new KubeHttpError(404, kubeUnknownPath());
    }
    if (method !== 'GET') throw this.methodNotAllowed();
    const labelSelector = parseLabelSelector(url.searchParams.get('labelSelector') ?? undefined);
    if (!labelSelector.ok) throw this.badRequest(labelSelector.message);
    const items: JsonObject[] = [];
    for (const [key, byContainer] of [...this.metrics].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const [namespace, podName] = key.split('/');
      if (namespace === undefined || podName === undefined) continue;
      if (route.namespace !== undefined && namespace !== route.namespace) continue;
      if (route.name !== undefined && podName !== route.name) continue;
      const pod = this.find(this.podsDef(), namespace, podName);
      const labels = pod ? stringMapAt(objectAt(pod, 'metadata'), 'labels') : {};
      if (!labelSelector.matches(labels)) continue;
      const defaultContainer = (pod ? containerNamesOf(pod)[0] : undefined) ?? 'app';
      const containers: JsonObject[] = [...byContainer].map(([container, usage]) => ({
        name: container === '*' ? defaultContainer : container,
        usage: { cpu: formatNanoCores(usage.cpu), memory: formatKibibytes(usage.memory) },
      }));
      const metadata: JsonObject = { name: podName, namespace, creationTimestamp: kubeTime(new Date()) };
      if (Object.keys(labels).length > 0) metadata.labels = labels;
      items.push({ metadata, timestamp: kubeTime(new Date(Date.now() - 10_000)), window: '20.043s', containers });
    }
    if (route.name !== undefined) {
      const [item] = items;
      if (!item) throw new KubeHttpError(404, kubeNotFound('podmetrics', 'metrics.k8s.io', route.name));
      return { kind: 'PodMetrics', apiVersion: 'metrics.k8s.io/v1beta1', ...item };
    }
    return { kind: 'PodMetricsList', apiVersion: 'metrics.k8s.io/v1beta1', metadata: {}, items };
  }
}

/** Starts an in-memory Kubernetes API server on 127.0.0.1 with an ephemeral port. */
export async function startFakeKube(): Promise<FakeKube> {
  const fake = new FakeKubeServer();
  await fake.start();
  return fake;
}

/** A client-node `KubeConfig` pointing at the fake (plain HTTP, token user, optional default namespace). */
export function kubeConfigFor(fake: Pick<FakeKube, 'url'>, namespace?: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'fake-cluster', server: fake.url, skipTLSVerify: true }],
    users: [{ name: 'fake-user', token: 'fake-token' }],
    contexts: [
      namespace === undefined
        ? { name: 'fake-context', cluster: 'fake-cluster', user: 'fake-user' }
        : { name: 'fake-context', cluster: 'fake-cluster', user: 'fake-user', namespace },
    ],
    currentContext: 'fake-context',
  });
  return kc;
}
