import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Json, JsonObject } from './json-value.js';

/** Formats a Date as Kubernetes' RFC 3339 `metav1.Time` (second precision, `Z` suffix). */
export function kubeTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** A string from Kubernetes' "safe" alphabet (no vowels), as used in generated name suffixes. */
export function kubeSafeString(length: number, seed?: string): string {
  const bytes = seed === undefined ? randomBytes(length) : createHash('sha256').update(seed).digest();
  let out = '';
  for (let i = 0; i < length; i += 1) out += SAFE_ALPHABET[(bytes[i] ?? 0) % SAFE_ALPHABET.length];
  return out;
}

/** The `pod-template-hash` a Deployment controller derives from a pod template. */
export function podTemplateHash(template: Json): string {
  return kubeSafeString(10, JSON.stringify(template));
}

/** Pod phase for {@link podFixture}. */
export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

/** Options for {@link podFixture}. */
export interface PodFixtureOptions {
  name: string;
  /** Defaults to `default`; {@link FakeKube.addPod} overrides it with its namespace argument. */
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** Defaults to `Running`. */
  phase?: PodPhase;
  /** Defaults to true for a Running pod without `waitingReason`. */
  ready?: boolean;
  /** Container restart count; defaults to 0. */
  restarts?: number;
  /** Current waiting reason of every container, e.g. `CrashLoopBackOff`, `ImagePullBackOff`. */
  waitingReason?: string;
  /** Reason of the last termination when `restarts > 0`, e.g. `OOMKilled` (default `Error`). */
  lastTerminationReason?: string;
  /** Pod and container start time; defaults to one hour ago. */
  startedAt?: Date;
  /** Container names; defaults to `['app']`. */
  containers?: string[];
  image?: string;
  nodeName?: string;
  ownerReferences?: JsonObject[];
  /** Sets `metadata.deletionTimestamp`, as for a terminating pod. */
  deletionTimestamp?: Date;
}

function condition(type: string, status: boolean, at: string, reason?: string, message?: string): JsonObject {
  const out: JsonObject = { type, status: status ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: at };
  if (reason !== undefined) out.reason = reason;
  if (message !== undefined) out.message = message;
  return out;
}

function containerSpec(name: string, image: string): JsonObject {
  return {
    name,
    image,
    resources: {},
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    imagePullPolicy: 'IfNotPresent',
  };
}

/** A faithful v1 Pod as the API server returns it (without `resourceVersion`, which the fake assigns). */
export function podFixture(options: PodFixtureOptions): JsonObject {
  const namespace = options.namespace ?? 'default';
  const phase = options.phase ?? 'Running';
  const names = options.containers ?? ['app'];
  const image = options.image ?? 'registry.example.invalid/thermaliq/app:1.0.0';
  const restarts = options.restarts ?? 0;
  const startedAt = kubeTime(options.startedAt ?? new Date(Date.now() - 3_600_000));
  const nodeName = options.nodeName ?? 'node-1';
  const waiting = options.waitingReason ?? (phase === 'Pending' ? 'ContainerCreating' : undefined);
  const ready = options.ready ?? (phase === 'Running' && waiting === undefined);
  const scheduled = phase !== 'Pending' || options.nodeName !== undefined || waiting !== undefined;
  const podIP = phase === 'Pending' ? undefined : '10.244.1.23';

  const containerStatuses: JsonObject[] = names.map((name) => {
    const containerID = `containerd://${createHash('sha256').update(`${options.name}/${name}/${restarts}`).digest('hex')}`;
    const finishedAt = kubeTime(new Date(Date.parse(startedAt) + 60_000));
    let state: JsonObject;
    if (phase === 'Succeeded' || phase === 'Failed') {
      state = {
        terminated: {
          exitCode: phase === 'Succeeded' ? 0 : 1,
          reason: phase === 'Succeeded' ? 'Completed' : 'Error',
          startedAt,
          finishedAt,
          containerID,
        },
      };
    } else if (waiting !== undefined) {
      const message =
        waiting === 'CrashLoopBackOff'
          ? `back-off 5m0s restarting failed container=${name} pod=${options.name}_${namespace}(${randomUUID()})`
          : undefined;
      state = { waiting: message === undefined ? { reason: waiting } : { reason: waiting, message } };
    } else {
      state = { running: { startedAt } };
    }
    let lastState: JsonObject = {};
    if (restarts > 0) {
      const reason = options.lastTerminationReason ?? 'Error';
      lastState = {
        terminated: {
          exitCode: reason === 'OOMKilled' ? 137 : 1,
          reason,
          startedAt,
          finishedAt,
          containerID,
        },
      };
    }
    const status: JsonObject = {
      name,
      state,
      lastState,
      ready,
      restartCount: restarts,
      image,
      imageID: waiting === 'ContainerCreating' ? '' : `${image.split(':')[0]}@sha256:${'ab'.repeat(32)}`,
      started: waiting === undefined && phase === 'Running',
    };
    if (waiting !== 'ContainerCreating') status.containerID = containerID;
    return status;
  });

  const notReadyMessage = `containers with unready status: [${names.join(' ')}]`;
  const conditions: JsonObject[] = [
    condition('PodReadyToStartContainers', phase !== 'Pending', startedAt),
    condition('Initialized', true, startedAt),
    ready
      ? condition('Ready', true, startedAt)
      : condition(
          'Ready',
          false,
          startedAt,
          phase === 'Succeeded' ? 'PodCompleted' : 'ContainersNotReady',
          notReadyMessage,
        ),
    ready
      ? condition('ContainersReady', true, startedAt)
      : condition(
          'ContainersReady',
          false,
          startedAt,
          phase === 'Succeeded' ? 'PodCompleted' : 'ContainersNotReady',
          notReadyMessage,
        ),
    condition('PodScheduled', scheduled, startedAt),
  ];

  const metadata: JsonObject = {
    name: options.name,
    namespace,
    uid: randomUUID(),
    creationTimestamp: startedAt,
  };
  if (options.labels) metadata.labels = { ...options.labels };
  if (options.annotations) metadata.annotations = { ...options.annotations };
  if (options.ownerReferences) metadata.ownerReferences = options.ownerReferences;
  if (options.deletionTimestamp) {
    metadata.deletionTimestamp = kubeTime(options.deletionTimestamp);
    metadata.deletionGracePeriodSeconds = 30;
  }

  const status: JsonObject = {
    phase,
    conditions,
    hostIP: '172.18.0.2',
    hostIPs: [{ ip: '172.18.0.2' }],
    startTime: startedAt,
    containerStatuses,
    qosClass: 'BestEffort',
  };
  if (podIP !== undefined) {
    status.podIP = podIP;
    status.podIPs = [{ ip: podIP }];
  }

  const spec: JsonObject = {
    volumes: [],
    containers: names.map((n) => containerSpec(n, image)),
    restartPolicy: 'Always',
    terminationGracePeriodSeconds: 30,
    dnsPolicy: 'ClusterFirst',
    serviceAccountName: 'default',
    serviceAccount: 'default',
    securityContext: {},
    schedulerName: 'default-scheduler',
    tolerations: [
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ],
    priority: 0,
    enableServiceLinks: true,
    preemptionPolicy: 'PreemptLowerPriority',
  };
  if (scheduled) spec.nodeName = nodeName;

  return { kind: 'Pod', apiVersion: 'v1', metadata, spec, status };
}

/** A faithful v1 Node; `ready: false` reports `KubeletNotReady`. */
export function nodeFixture(name: string, ready: boolean): JsonObject {
  const now = kubeTime(new Date());
  const created = kubeTime(new Date(Date.now() - 86_400_000 * 30));
  const pressure = (type: string, reason: string, message: string): JsonObject => ({
    type,
    status: 'False',
    lastHeartbeatTime: now,
    lastTransitionTime: created,
    reason,
    message,
  });
  return {
    kind: 'Node',
    apiVersion: 'v1',
    metadata: {
      name,
      uid: randomUUID(),
      creationTimestamp: created,
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
      },
      annotations: {
        'node.alpha.kubernetes.io/ttl': '0',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
      },
    },
    spec: { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'], providerID: `kind://docker/fake/${name}` },
    status: {
      capacity: { cpu: '4', 'ephemeral-storage': '102626232Ki', memory: '16318108Ki', pods: '110' },
      allocatable: { cpu: '4', 'ephemeral-storage': '102626232Ki', memory: '16318108Ki', pods: '110' },
      conditions: [
        pressure('MemoryPressure', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
        pressure('DiskPressure', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
        pressure('PIDPressure', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
        {
          type: 'Ready',
          status: ready ? 'True' : 'False',
          lastHeartbeatTime: now,
          lastTransitionTime: now,
          reason: ready ? 'KubeletReady' : 'KubeletNotReady',
          message: ready
            ? 'kubelet is posting ready status'
            : 'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady',
        },
      ],
      addresses: [
        { type: 'InternalIP', address: '172.18.0.2' },
        { type: 'Hostname', address: name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: 'f'.repeat(32),
        systemUUID: randomUUID(),
        bootID: randomUUID(),
        kernelVersion: '6.1.0-18-amd64',
        osImage: 'Debian GNU/Linux 12 (bookworm)',
        containerRuntimeVersion: 'containerd://1.7.13',
        kubeletVersion: 'v1.30.0',
        kubeProxyVersion: 'v1.30.0',
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    },
  };
}

/** Options for {@link deploymentFixture}. */
export interface DeploymentFixtureOptions {
  /** `spec.replicas`; defaults to 1. */
  replicas?: number;
  /** Pod template labels; defaults to `{ app: <name> }`. */
  labels?: Record<string, string>;
  /** `spec.selector.matchLabels`; defaults to `labels`. */
  selector?: Record<string, string>;
  image?: string;
  /** Container names; defaults to `['app']`. */
  containers?: string[];
}

/** A faithful apps/v1 Deployment with an empty status; the fake fills status from its pods. */
export function deploymentFixture(namespace: string, name: string, options: DeploymentFixtureOptions = {}): JsonObject {
  const labels = options.labels ?? { app: name };
  const selector = options.selector ?? labels;
  const image = options.image ?? 'registry.example.invalid/thermaliq/app:1.0.0';
  return {
    kind: 'Deployment',
    apiVersion: 'apps/v1',
    metadata: {
      name,
      namespace,
      uid: randomUUID(),
      generation: 1,
      creationTimestamp: kubeTime(new Date(Date.now() - 86_400_000)),
      labels: { ...labels },
      annotations: { 'deployment.kubernetes.io/revision': '1' },
    },
    spec: {
      replicas: options.replicas ?? 1,
      selector: { matchLabels: { ...selector } },
      template: {
        metadata: { creationTimestamp: null, labels: { ...labels } },
        spec: {
          containers: (options.containers ?? ['app']).map((n) => containerSpec(n, image)),
          restartPolicy: 'Always',
          terminationGracePeriodSeconds: 30,
          dnsPolicy: 'ClusterFirst',
          securityContext: {},
          schedulerName: 'default-scheduler',
        },
      },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
    },
    status: {},
  };
}

/** Options for {@link certificateFixture}. */
export interface CertificateFixtureOptions {
  notAfter: Date;
  /** Defaults to two thirds of the way from `notBefore` to `notAfter` (cert-manager's default). */
  renewalTime?: Date;
  /** Defaults to 90 days before `notAfter`. */
  notBefore?: Date;
  ready: boolean;
  dnsNames: string[];
  secretName?: string;
  issuerName?: string;
  /** Ready condition reason; defaults to `Ready`, `Expired` or `Failed`. */
  reason?: string;
  message?: string;
}

/** A faithful cert-manager.io/v1 Certificate with status. */
export function certificateFixture(namespace: string, name: string, options: CertificateFixtureOptions): JsonObject {
  const notBefore = options.notBefore ?? new Date(options.notAfter.getTime() - 90 * 86_400_000);
  const renewalTime =
    options.renewalTime ?? new Date(notBefore.getTime() + ((options.notAfter.getTime() - notBefore.getTime()) * 2) / 3);
  const expired = options.notAfter.getTime() <= Date.now();
  const reason = options.reason ?? (options.ready ? 'Ready' : expired ? 'Expired' : 'Failed');
  const message =
    options.message ??
    (options.ready
      ? 'Certificate is up to date and has not expired'
      : expired
        ? `Certificate expired on ${options.notAfter.toUTCString()}`
        : 'The certificate request has failed to complete and will be retried: ACME challenge failed');
  const created = kubeTime(new Date(notBefore.getTime() - 60_000));
  return {
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    metadata: { name, namespace, uid: randomUUID(), generation: 1, creationTimestamp: created },
    spec: {
      dnsNames: [...options.dnsNames],
      issuerRef: { group: 'cert-manager.io', kind: 'ClusterIssuer', name: options.issuerName ?? 'letsencrypt-prod' },
      secretName: options.secretName ?? `${name}-tls`,
    },
    status: {
      conditions: [
        {
          lastTransitionTime: kubeTime(notBefore),
          message,
          observedGeneration: 1,
          reason,
          status: options.ready ? 'True' : 'False',
          type: 'Ready',
        },
      ],
      notAfter: kubeTime(options.notAfter),
      notBefore: kubeTime(notBefore),
      renewalTime: kubeTime(renewalTime),
      revision: 1,
    },
  };
}

/** Options for {@link eventFixture}. */
export interface EventFixtureOptions {
  /** Defaults to `Normal`. */
  type?: 'Normal' | 'Warning';
  reason: string;
  message: string;
  involvedObject: {
    kind: string;
    name: string;
    namespace?: string;
    uid?: string;
    apiVersion?: string;
    fieldPath?: string;
  };
  count?: number;
  firstTimestamp?: Date;
  /** Defaults to now. */
  lastTimestamp?: Date;
  /** Reporting component; defaults to `kubelet`. */
  component?: string;
  host?: string;
}

/** A faithful core v1 Event (the legacy `events` API the CoreV1Api lists). */
export function eventFixture(namespace: string, options: EventFixtureOptions): JsonObject {
  const last = options.lastTimestamp ?? new Date();
  const first = options.firstTimestamp ?? last;
  const involved: JsonObject = {
    kind: options.involvedObject.kind,
    namespace: options.involvedObject.namespace ?? namespace,
    name: options.involvedObject.name,
    uid: options.involvedObject.uid ?? randomUUID(),
    apiVersion: options.involvedObject.apiVersion ?? (options.involvedObject.kind === 'Deployment' ? 'apps/v1' : 'v1'),
  };
  if (options.involvedObject.fieldPath !== undefined) involved.fieldPath = options.involvedObject.fieldPath;
  const source: JsonObject = { component: options.component ?? 'kubelet' };
  if (options.host !== undefined) source.host = options.host;
  const suffix = (BigInt(last.getTime()) * 1_000_000n + BigInt(Math.floor(Math.random() * 1_000_000))).toString(16);
  return {
    kind: 'Event',
    apiVersion: 'v1',
    metadata: {
      name: `${options.involvedObject.name}.${suffix}`,
      namespace,
      uid: randomUUID(),
      creationTimestamp: kubeTime(first),
    },
    involvedObject: involved,
    reason: options.reason,
    message: options.message,
    source,
    firstTimestamp: kubeTime(first),
    lastTimestamp: kubeTime(last),
    count: options.count ?? 1,
    type: options.type ?? 'Normal',
    eventTime: null,
    reportingComponent: options.component ?? 'kubelet',
    reportingInstance: options.host ?? '',
  };
}

/** Options for {@link ingressFixture}. */
export interface IngressFixtureOptions {
  host: string;
  serviceName?: string;
  servicePort?: number;
  annotations?: Record<string, string>;
  ingressClassName?: string;
  tlsSecretName?: string;
}

/** A faithful networking.k8s.io/v1 Ingress with one host rule. */
export function ingressFixture(namespace: string, name: string, options: IngressFixtureOptions): JsonObject {
  const spec: JsonObject = {
    ingressClassName: options.ingressClassName ?? 'nginx',
    rules: [
      {
        host: options.host,
        http: {
          paths: [
            {
              path: '/',
              pathType: 'Prefix',
              backend: { service: { name: options.serviceName ?? name, port: { number: options.servicePort ?? 80 } } },
            },
          ],
        },
      },
    ],
  };
  if (options.tlsSecretName !== undefined) spec.tls = [{ hosts: [options.host], secretName: options.tlsSecretName }];
  const metadata: JsonObject = {
    name,
    namespace,
    uid: randomUUID(),
    generation: 1,
    creationTimestamp: kubeTime(new Date(Date.now() - 86_400_000)),
  };
  if (options.annotations) metadata.annotations = { ...options.annotations };
  return {
    kind: 'Ingress',
    apiVersion: 'networking.k8s.io/v1',
    metadata,
    spec,
    status: { loadBalancer: { ingress: [{ ip: '172.18.0.10' }] } },
  };
}
