import { randomUUID } from 'node:crypto';
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
} from './json-value.js';
import { kubeSafeString, kubeTime } from './kube-fixtures.js';

/**
 * A small Argo Rollouts controller for {@link FakeKube}: it keeps `argoproj.io/v1alpha1` Rollouts (canary strategy)
 * and the `apps/v1` ReplicaSets they own as the real controller does, and the test drives what takes time:
 *
 * - a new pod template starts a canary: a ReplicaSet for it (a new revision, or an old ReplicaSet re-revisioned, as
 *   `undo` does), and the steps from the first. `setWeight` steps finish at once (the replicas are ready at once);
 *   a `pause` sets a `CanaryPauseStep` pause condition and `controllerPause`, and stays until the condition is
 *   cleared (`promote`) or {@link FakeArgoRollouts.expirePause} says its duration passed; an `analysis` step runs an
 *   AnalysisRun until {@link FakeArgoRollouts.finishAnalysis}.
 * - past the last step the canary becomes the stable (`stableRS`), the old ReplicaSets scale to 0, phase Healthy.
 * - `status.abort=true` (`abort`) sends the canary to 0 replicas and the stable back to all: phase Degraded.
 * - a template equal to the stable's (undo during a canary, or after an abort) is fully promoted at once.
 *
 * With `controllerRunning` false, writes are stored and nothing reacts, as with a stopped controller.
 */
export interface FakeArgoRollouts {
  controllerRunning: boolean;
  /** Adds a fully promoted, Healthy Rollout at `image`, with a ReplicaSet per `history` image (older revisions). */
  addRollout(namespace: string, name: string, options: RolloutFixtureOptions): JsonObject;
  /** Changes the first container's image (as `kubectl argo rollouts set image`): a new revision starts its canary. */
  setImage(namespace: string, name: string, image: string): void;
  /** The current pause step's duration passed: the controller clears the pause and goes on. */
  expirePause(namespace: string, name: string): void;
  /** Ends the running AnalysisRun of the current step. */
  finishAnalysis(namespace: string, name: string, phase: 'Successful' | 'Failed', message?: string): void;
  /** Snapshot of a Rollout, or undefined. */
  rollout(namespace: string, name: string): JsonObject | undefined;
  /** Snapshots of the ReplicaSets in the namespace, sorted by name. */
  replicaSets(namespace: string): JsonObject[];
}

/** Options for {@link FakeArgoRollouts.addRollout}. */
export interface RolloutFixtureOptions {
  image: string;
  /** Images of older revisions, oldest first (revisions 1…n; the current image is n+1). */
  history?: string[];
  /** Canary steps (default: the THERMALIQ guide's). */
  steps?: JsonObject[];
  replicas?: number;
  labels?: Record<string, string>;
}

/** The stored objects the controller reads and writes, from the fake API server. */
export interface ArgoStore {
  find(plural: 'rollouts' | 'replicasets', namespace: string, name: string): JsonObject | undefined;
  put(plural: 'rollouts' | 'replicasets', namespace: string, obj: JsonObject): JsonObject;
  list(plural: 'rollouts' | 'replicasets', namespace: string): JsonObject[];
}

export const guideCanarySteps: JsonObject[] = [
  { setWeight: 10 },
  { pause: { duration: '10m' } },
  { setWeight: 25 },
  { pause: { duration: '10m' } },
  { setWeight: 50 },
  { pause: { duration: '10m' } },
  { setWeight: 75 },
  { pause: { duration: '10m' } },
];

const hashLabel = 'rollouts-pod-template-hash';
const revisionKey = 'rollout.argoproj.io/revision';

function canonical(v: Json): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isJsonObject(v)) {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k] ?? null)}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** The controller's pod template hash: the template without the hash label, whatever its key order. */
export function rolloutTemplateHash(template: JsonObject): string {
  const copy = cloneJson(template);
  const labels = objectAt(copy, 'metadata', 'labels');
  if (labels) delete labels[hashLabel];
  return kubeSafeString(10, canonical(copy));
}

function stepsOf(rollout: JsonObject): JsonObject[] {
  const steps = objectAt(rollout, 'spec', 'strategy', 'canary')?.steps;
  return Array.isArray(steps) ? steps.filter(isJsonObject) : [];
}

function templateOf(obj: JsonObject): JsonObject {
  return objectAt(obj, 'spec', 'template') ?? {};
}

function revisionOf(obj: JsonObject): number {
  return Number(stringMapAt(objectAt(obj, 'metadata'), 'annotations')[revisionKey] ?? '0');
}

export class ArgoRolloutsController implements FakeArgoRollouts {
  controllerRunning = true;
  /** The step index each Rollout's AnalysisRun belongs to. */
  private readonly analysisStep = new Map<string, number>();

  constructor(private readonly store: ArgoStore) {}

  addRollout(namespace: string, name: string, options: RolloutFixtureOptions): JsonObject {
    const labels = options.labels ?? { app: name };
    const template = (image: string): JsonObject => ({
      metadata: { labels: { ...labels } },
      spec: { containers: [{ name, image, ports: [{ containerPort: 8000 }] }] },
    });
    const rollout: JsonObject = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name, namespace, generation: 1, annotations: {} },
      spec: {
        replicas: options.replicas ?? 4,
        selector: { matchLabels: { ...labels } },
        template: template(options.image),
        strategy: { canary: { steps: options.steps ?? guideCanarySteps } },
      },
    };
    const stored = this.store.put('rollouts', namespace, rollout);
    const history = options.history ?? [];
    history.forEach((image, i) => {
      this.putReplicaSet(stored, template(image), i + 1, 0);
    });
    const current = template(options.image);
    const hash = rolloutTemplateHash(current);
    this.putReplicaSet(stored, current, history.length + 1, options.replicas ?? 4);
    ensureObjectAt(stored, 'metadata', 'annotations')[revisionKey] = String(history.length + 1);
    stored.status = {
      observedGeneration: '1',
      currentPodHash: hash,
      stableRS: hash,
      currentStepIndex: stepsOf(stored).length,
      canary: {},
    };
    this.reconcile(namespace, name);
    return cloneJson(this.store.find('rollouts', namespace, name) ?? stored);
  }

  setImage(namespace: string, name: string, image: string): void {
    const rollout = this.require(namespace, name);
    const next = cloneJson(rollout);
    const containers = objectAt(next, 'spec', 'template', 'spec')?.containers;
    const first = Array.isArray(containers) ? containers[0] : undefined;
    if (!isJsonObject(first)) throw new Error('FakeArgoRollouts.setImage: no container');
    first.image = image;
    const meta = ensureObjectAt(next, 'metadata');
    meta.generation = (numberAt(meta, 'generation') ?? 1) + 1;
    this.store.put('rollouts', namespace, next);
    this.reconcile(namespace, name);
  }

  expirePause(namespace: string, name: string): void {
    const rollout = this.require(namespace, name);
    const status = ensureObjectAt(rollout, 'status');
    if (!Array.isArray(status.pauseConditions)) throw new Error(`FakeArgoRollouts.expirePause: ${name} is not paused`);
    delete status.pauseConditions;
    this.store.put('rollouts', namespace, rollout);
    this.reconcile(namespace, name);
  }

  finishAnalysis(namespace: string, name: string, phase: 'Successful' | 'Failed', message?: string): void {
    const rollout = this.require(namespace, name);
    const run = objectAt(rollout, 'status', 'canary', 'currentStepAnalysisRunStatus');
    if (!run) throw new Error(`FakeArgoRollouts.finishAnalysis: no AnalysisRun for ${name}`);
    run.status = phase;
    if (message !== undefined) run.message = message;
    this.store.put('rollouts', namespace, rollout);
    this.reconcile(namespace, name);
  }

  rollout(namespace: string, name: string): JsonObject | undefined {
    const found = this.store.find('rollouts', namespace, name);
    return found ? cloneJson(found) : undefined;
  }

  replicaSets(namespace: string): JsonObject[] {
    return this.store.list('replicasets', namespace).map((rs) => cloneJson(rs));
  }

  /** What the controller does after any write to the Rollout (spec or status). */
  reconcile(namespace: string, name: string): void {
    if (!this.controllerRunning) return;
    const rollout = this.store.find('rollouts', namespace, name);
    if (!rollout) return;
    const key = `${namespace}/${name}`;
    const meta = ensureObjectAt(rollout, 'metadata');
    const status = ensureObjectAt(rollout, 'status');
    const steps = stepsOf(rollout);
    const replicas = numberAt(objectAt(rollout, 'spec'), 'replicas') ?? 1;
    const template = templateOf(rollout);
    const hash = rolloutTemplateHash(template);

    if (stringAt(status, 'currentPodHash') !== hash) {
      // A new pod template: a new revision, on the ReplicaSet with that template if one is left (undo).
      const owned = this.owned(rollout);
      const revision = Math.max(0, ...owned.map(revisionOf)) + 1;
      const existing = owned.find((rs) => stringMapAt(objectAt(rs, 'metadata'), 'labels')[hashLabel] === hash);
      if (existing) {
        ensureObjectAt(existing, 'metadata', 'annotations')[revisionKey] = String(revision);
        this.store.put('replicasets', namespace, existing);
      } else {
        this.putReplicaSet(rollout, template, revision, 0);
      }
      ensureObjectAt(meta, 'annotations')[revisionKey] = String(revision);
      status.currentPodHash = hash;
      status.currentStepIndex = hash === stringAt(status, 'stableRS') ? steps.length : 0;
      delete status.abort;
      delete status.abortedAt;
      delete status.pauseConditions;
      delete status.controllerPause;
      this.analysisStep.delete(key);
      delete ensureObjectAt(status, 'canary').currentStepAnalysisRunStatus;
    }
    status.observedGeneration = String(numberAt(meta, 'generation') ?? 1);

    const revision = stringMapAt(meta, 'annotations')[revisionKey] ?? '?';
    const stableHash = stringAt(status, 'stableRS') ?? hash;
    const canary = ensureObjectAt(status, 'canary');
    const boundStep = this.analysisStep.get(key);
    if (boundStep !== undefined && boundStep !== numberAt(status, 'currentStepIndex')) {
      // Promoted past the analysis step: its run is no longer the current step's.
      this.analysisStep.delete(key);
      delete canary.currentStepAnalysisRunStatus;
    }

    for (;;) {
      if (status.abort === true) {
        status.abortedAt ??= kubeTime(new Date());
        delete status.pauseConditions;
        delete status.controllerPause;
        this.scale(rollout, stableHash, replicas, hash, 0);
        this.finish(rollout, 'Degraded', `RolloutAborted: Rollout aborted update to revision ${revision}`);
        return;
      }
      const index = numberAt(status, 'currentStepIndex') ?? 0;
      if (index >= steps.length || hash === stableHash) {
        status.currentStepIndex = steps.length;
        status.stableRS = hash;
        delete status.pauseConditions;
        delete status.controllerPause;
        delete canary.currentStepAnalysisRunStatus;
        this.scale(rollout, hash, replicas, undefined, 0);
        this.finish(rollout, 'Healthy', undefined);
        return;
      }
      const step = steps[index] ?? {};
      const weight = numberAt(step, 'setWeight');
      if (weight !== undefined) {
        const canaryReplicas = Math.min(replicas, Math.ceil((replicas * weight) / 100));
        this.scale(rollout, stableHash, replicas - canaryReplicas, hash, canaryReplicas);
        status.currentStepIndex = index + 1;
        continue;
      }
      if (isJsonObject(step.pause)) {
        if (Array.isArray(status.pauseConditions) && status.pauseConditions.length > 0) {
          this.finish(rollout, 'Paused', 'CanaryPauseStep');
          return;
        }
        if (status.controllerPause === true) {
          // The pause condition was cleared (promote, or the duration passed): the step is done.
          delete status.controllerPause;
          status.currentStepIndex = index + 1;
          continue;
        }
        status.pauseConditions = [{ reason: 'CanaryPauseStep', startTime: kubeTime(new Date()) }];
        status.controllerPause = true;
        this.finish(rollout, 'Paused', 'CanaryPauseStep');
        return;
      }
      if (isJsonObject(step.analysis)) {
        const run = objectAt(canary, 'currentStepAnalysisRunStatus');
        if (!run) {
          canary.currentStepAnalysisRunStatus = {
            name: `${nameOf(rollout)}-${hash}-${revision}-${index}`,
            status: 'Running',
          };
          this.analysisStep.set(key, index);
        } else if (run.status === 'Successful') {
          delete canary.currentStepAnalysisRunStatus;
          this.analysisStep.delete(key);
          status.currentStepIndex = index + 1;
          continue;
        } else if (run.status === 'Failed' || run.status === 'Error') {
          status.abort = true;
          continue;
        }
        this.finish(rollout, 'Progressing', 'waiting for analysis to complete');
        return;
      }
      // A step this fake does not know (experiment, setCanaryScale…): done at once.
      status.currentStepIndex = index + 1;
    }
  }

  private require(namespace: string, name: string): JsonObject {
    const found = this.store.find('rollouts', namespace, name);
    if (!found) throw new Error(`FakeArgoRollouts: no rollout ${namespace}/${name}`);
    return found;
  }

  private owned(rollout: JsonObject): JsonObject[] {
    const uid = stringAt(objectAt(rollout, 'metadata'), 'uid');
    const namespace = stringAt(objectAt(rollout, 'metadata'), 'namespace') ?? 'default';
    return this.store.list('replicasets', namespace).filter((rs) => {
      const owners = objectAt(rs, 'metadata')?.ownerReferences;
      return Array.isArray(owners) && owners.some((o) => isJsonObject(o) && o.uid === uid && o.controller === true);
    });
  }

  private putReplicaSet(rollout: JsonObject, template: JsonObject, revision: number, replicas: number): JsonObject {
    const meta = objectAt(rollout, 'metadata') ?? {};
    const namespace = stringAt(meta, 'namespace') ?? 'default';
    const hash = rolloutTemplateHash(template);
    const rsTemplate = cloneJson(template);
    ensureObjectAt(rsTemplate, 'metadata', 'labels')[hashLabel] = hash;
    const labels = { ...stringMapAt(objectAt(rsTemplate, 'metadata'), 'labels') };
    const selector = { ...stringMapAt(objectAt(rollout, 'spec', 'selector'), 'matchLabels'), [hashLabel]: hash };
    return this.store.put('replicasets', namespace, {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${nameOf(rollout)}-${hash}`,
        namespace,
        uid: randomUUID(),
        labels,
        annotations: {
          [revisionKey]: String(revision),
          'rollout.argoproj.io/desired-replicas': String(numberAt(objectAt(rollout, 'spec'), 'replicas') ?? 1),
        },
        ownerReferences: [
          {
            apiVersion: 'argoproj.io/v1alpha1',
            kind: 'Rollout',
            name: nameOf(rollout),
            uid: stringAt(meta, 'uid') ?? '',
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: { replicas, selector: { matchLabels: selector }, template: rsTemplate },
      status: replicas > 0 ? readyStatus(replicas) : { replicas: 0, observedGeneration: 1 },
    });
  }

  /** Sets the replicas of the ReplicaSet with hash `a` (and `b`), and 0 on every other one the Rollout owns. */
  private scale(rollout: JsonObject, a: string, aReplicas: number, b: string | undefined, bReplicas: number): void {
    const namespace = stringAt(objectAt(rollout, 'metadata'), 'namespace') ?? 'default';
    for (const rs of this.owned(rollout)) {
      const hash = stringMapAt(objectAt(rs, 'metadata'), 'labels')[hashLabel];
      const want = hash === a ? aReplicas : hash === b ? bReplicas : 0;
      if (numberAt(objectAt(rs, 'spec'), 'replicas') === want) continue;
      ensureObjectAt(rs, 'spec').replicas = want;
      rs.status = want > 0 ? readyStatus(want) : { replicas: 0, observedGeneration: 1 };
      this.store.put('replicasets', namespace, rs);
    }
  }

  /** Writes the phase, message and replica counts, and stores the Rollout. */
  private finish(rollout: JsonObject, phase: string, message: string | undefined): void {
    const status = ensureObjectAt(rollout, 'status');
    const namespace = stringAt(objectAt(rollout, 'metadata'), 'namespace') ?? 'default';
    const current = stringAt(status, 'currentPodHash');
    let total = 0;
    let updated = 0;
    for (const rs of this.owned(rollout)) {
      const n = numberAt(objectAt(rs, 'spec'), 'replicas') ?? 0;
      total += n;
      if (stringMapAt(objectAt(rs, 'metadata'), 'labels')[hashLabel] === current) updated += n;
    }
    status.phase = phase;
    if (message === undefined) delete status.message;
    else status.message = message;
    status.replicas = total;
    status.updatedReplicas = updated;
    status.readyReplicas = total;
    status.availableReplicas = total;
    status.selector = Object.entries(stringMapAt(objectAt(rollout, 'spec', 'selector'), 'matchLabels'))
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    const now = kubeTime(new Date());
    const conditions: JsonObject[] = [
      { type: 'Available', status: 'True', reason: 'AvailableReason', message: 'Rollout has minimum availability' },
      {
        type: 'Progressing',
        status: phase === 'Degraded' ? 'False' : 'True',
        reason:
          phase === 'Degraded' ? 'RolloutAborted' : phase === 'Paused' ? 'RolloutPaused' : 'NewReplicaSetAvailable',
        message: message ?? 'Rollout is healthy',
      },
      { type: 'Healthy', status: phase === 'Healthy' ? 'True' : 'False', reason: 'RolloutHealthy' },
      { type: 'Paused', status: phase === 'Paused' ? 'True' : 'False', reason: 'CanaryPauseStep' },
    ];
    status.conditions = conditions.map((c) => ({ ...c, lastUpdateTime: now, lastTransitionTime: now }));
    this.store.put('rollouts', namespace, rollout);
  }
}

function readyStatus(replicas: number): JsonObject {
  return {
    replicas,
    fullyLabeledReplicas: replicas,
    readyReplicas: replicas,
    availableReplicas: replicas,
    observedGeneration: 1,
  };
}

function nameOf(obj: JsonObject): string {
  return stringAt(objectAt(obj, 'metadata'), 'name') ?? '';
}
