import { z } from 'zod';

/** The label Argo Rollouts puts on the ReplicaSets and pods of each revision (its pod template hash). */
export const rolloutHashLabel = 'rollouts-pod-template-hash';
/** The annotation holding the revision, on the Rollout and on each of its ReplicaSets. */
export const rolloutRevisionAnnotation = 'rollout.argoproj.io/revision';

/** A JSON value as the API sends it (a pod template is copied back verbatim by `undo`). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
const jsonValue: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(jsonValue), z.record(z.string(), jsonValue)]),
);
const jsonObject = z.record(z.string(), jsonValue);
export type JsonObjectValue = z.infer<typeof jsonObject>;

/** One canary step, as people read it. */
export type CanaryStep =
  | { kind: 'setWeight'; weight: number }
  | { kind: 'pause'; durationSeconds?: number; duration?: string }
  | { kind: 'analysis'; templates: string[] }
  | { kind: 'other'; name: string };

/** An Argo Rollouts Rollout's spec and status, as `kubectl argo rollouts get rollout` shows it. */
export interface RolloutState {
  name: string;
  uid: string;
  generation: number;
  /** status.observedGeneration (a string in the Rollout's status). */
  observedGeneration: number | undefined;
  revision: number | undefined;
  strategy: 'canary' | 'blueGreen' | 'none';
  steps: CanaryStep[];
  /** status.currentStepIndex; undefined without canary steps. */
  currentStepIndex: number | undefined;
  specPaused: boolean;
  pauseConditions: { reason: string; startTime: Date | undefined }[];
  controllerPause: boolean;
  abort: boolean;
  abortedAt: Date | undefined;
  phase: string | undefined;
  message: string | undefined;
  currentPodHash: string | undefined;
  stableRS: string | undefined;
  /** status.canary.weights (only with traffic routing). */
  weights: { canary: number; stable: number } | undefined;
  analysis: { name: string; status: string; message: string | undefined } | undefined;
  replicas: number;
  readyReplicas: number;
  availableReplicas: number;
  updatedReplicas: number;
  selector: Record<string, string>;
  template: JsonObjectValue;
  images: string[];
}

/** One ReplicaSet the Rollout owns: a revision with its pod template. */
export interface RolloutRevision {
  name: string;
  revision: number | undefined;
  hash: string | undefined;
  replicas: number;
  availableReplicas: number;
  images: string[];
  template: JsonObjectValue;
}

const durationSchema = z.union([z.string(), z.number()]).optional();
const stepSchema = z.looseObject({
  setWeight: z.number().optional(),
  pause: z.looseObject({ duration: durationSchema }).optional(),
  analysis: z.looseObject({ templates: z.array(z.looseObject({ templateName: z.string() })).optional() }).optional(),
});
const containersOf = z.looseObject({
  spec: z.looseObject({ containers: z.array(z.looseObject({ image: z.string().optional() })).optional() }).optional(),
});

export const rolloutSchema = z.looseObject({
  metadata: z.looseObject({
    name: z.string(),
    uid: z.string().default(''),
    generation: z.number().optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  }),
  spec: z.looseObject({
    replicas: z.number().optional(),
    paused: z.boolean().optional(),
    selector: z.looseObject({ matchLabels: z.record(z.string(), z.string()).optional() }).optional(),
    template: jsonObject.optional(),
    strategy: z
      .looseObject({
        canary: z.looseObject({ steps: z.array(stepSchema).optional() }).optional(),
        blueGreen: z.looseObject({}).optional(),
      })
      .optional(),
  }),
  status: z
    .looseObject({
      observedGeneration: z.union([z.string(), z.number()]).optional(),
      currentStepIndex: z.number().optional(),
      pauseConditions: z.array(z.looseObject({ reason: z.string(), startTime: z.string().optional() })).optional(),
      controllerPause: z.boolean().optional(),
      abort: z.boolean().optional(),
      abortedAt: z.string().optional(),
      phase: z.string().optional(),
      message: z.string().optional(),
      currentPodHash: z.string().optional(),
      stableRS: z.string().optional(),
      replicas: z.number().optional(),
      readyReplicas: z.number().optional(),
      availableReplicas: z.number().optional(),
      updatedReplicas: z.number().optional(),
      canary: z
        .looseObject({
          weights: z
            .looseObject({
              canary: z.looseObject({ weight: z.number() }),
              stable: z.looseObject({ weight: z.number() }),
            })
            .optional(),
          currentStepAnalysisRunStatus: z
            .looseObject({ name: z.string(), status: z.string(), message: z.string().optional() })
            .optional(),
        })
        .optional(),
    })
    .optional(),
});

export const replicaSetListSchema = z.object({
  items: z.array(
    z.looseObject({
      metadata: z.looseObject({
        name: z.string(),
        labels: z.record(z.string(), z.string()).optional(),
        annotations: z.record(z.string(), z.string()).optional(),
        ownerReferences: z
          .array(z.looseObject({ uid: z.string(), kind: z.string(), controller: z.boolean().optional() }))
          .optional(),
      }),
      spec: z.looseObject({ replicas: z.number().optional(), template: jsonObject.optional() }).optional(),
      status: z.looseObject({ availableReplicas: z.number().optional() }).optional(),
    }),
  ),
});

/** An Argo duration: seconds as a number or digits, or a Go duration such as 30s, 10m, 1h or 1h30m. */
export function durationSeconds(d: string | number | undefined): number | undefined {
  if (d === undefined) return undefined;
  if (typeof d === 'number') return d;
  if (/^\d+$/.test(d)) return Number(d);
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(d);
  if (!m || d === '') return undefined;
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

function stepOf(s: z.infer<typeof stepSchema>): CanaryStep {
  if (s.setWeight !== undefined) return { kind: 'setWeight', weight: s.setWeight };
  if (s.pause !== undefined) {
    const duration = s.pause.duration;
    return {
      kind: 'pause',
      ...(duration === undefined ? {} : { duration: String(duration), durationSeconds: durationSeconds(duration) }),
    };
  }
  if (s.analysis !== undefined) {
    return { kind: 'analysis', templates: (s.analysis.templates ?? []).map((t) => t.templateName) };
  }
  return { kind: 'other', name: Object.keys(s)[0] ?? 'unknown' };
}

/** The images of a pod template's containers. */
export function imagesOf(template: unknown): string[] {
  const parsed = containersOf.safeParse(template);
  if (!parsed.success) return [];
  return (parsed.data.spec?.containers ?? []).flatMap((c) => (c.image ? [c.image] : []));
}

function dateOf(s: string | undefined): Date | undefined {
  if (s === undefined) return undefined;
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function revisionOf(annotations: Record<string, string> | undefined): number | undefined {
  const n = Number(annotations?.[rolloutRevisionAnnotation]);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** Reads a Rollout as the API returned it. */
export function rolloutState(body: unknown): RolloutState {
  const r = rolloutSchema.parse(body);
  const status = r.status ?? {};
  const canary = r.spec.strategy?.canary;
  const observed = status.observedGeneration === undefined ? undefined : Number(status.observedGeneration);
  const weights = status.canary?.weights;
  const analysis = status.canary?.currentStepAnalysisRunStatus;
  const template = r.spec.template ?? {};
  return {
    name: r.metadata.name,
    uid: r.metadata.uid,
    generation: r.metadata.generation ?? 0,
    observedGeneration: observed !== undefined && Number.isFinite(observed) ? observed : undefined,
    revision: revisionOf(r.metadata.annotations),
    strategy: canary ? 'canary' : r.spec.strategy?.blueGreen ? 'blueGreen' : 'none',
    steps: (canary?.steps ?? []).map(stepOf),
    currentStepIndex: status.currentStepIndex,
    specPaused: r.spec.paused === true,
    pauseConditions: (status.pauseConditions ?? []).map((p) => ({ reason: p.reason, startTime: dateOf(p.startTime) })),
    controllerPause: status.controllerPause === true,
    abort: status.abort === true,
    abortedAt: dateOf(status.abortedAt),
    phase: status.phase,
    message: status.message,
    currentPodHash: status.currentPodHash,
    stableRS: status.stableRS,
    weights: weights ? { canary: weights.canary.weight, stable: weights.stable.weight } : undefined,
    analysis: analysis ? { name: analysis.name, status: analysis.status, message: analysis.message } : undefined,
    replicas: r.spec.replicas ?? 1,
    readyReplicas: status.readyReplicas ?? 0,
    availableReplicas: status.availableReplicas ?? 0,
    updatedReplicas: status.updatedReplicas ?? 0,
    selector: r.spec.selector?.matchLabels ?? {},
    template,
    images: imagesOf(template),
  };
}

/** The ReplicaSets in a list that the Rollout controls (owner reference with its uid), newest revision first. */
export function ownedRevisions(list: unknown, rolloutUid: string): RolloutRevision[] {
  return replicaSetListSchema
    .parse(list)
    .items.filter((rs) =>
      (rs.metadata.ownerReferences ?? []).some((o) => o.uid === rolloutUid && o.kind === 'Rollout' && o.controller),
    )
    .map((rs) => {
      const template = rs.spec?.template ?? {};
      return {
        name: rs.metadata.name,
        revision: revisionOf(rs.metadata.annotations),
        hash: rs.metadata.labels?.[rolloutHashLabel],
        replicas: rs.spec?.replicas ?? 0,
        availableReplicas: rs.status?.availableReplicas ?? 0,
        images: imagesOf(template),
        template,
      };
    })
    .sort((a, b) => (b.revision ?? 0) - (a.revision ?? 0));
}

/** Whether the Rollout runs only its stable revision: nothing to promote or abort. */
export function fullyPromoted(r: RolloutState): boolean {
  return r.currentPodHash !== undefined && r.currentPodHash === r.stableRS;
}

/**
 * The canary weight the current step asks for: status.canary.weights with traffic routing; otherwise the last
 * setWeight at or before the current step (0 before any, 100 past the last step), and 0 once aborted.
 */
export function canaryWeight(r: RolloutState): number {
  if (r.weights) return r.weights.canary;
  if (r.abort) return 0;
  if (fullyPromoted(r)) return 100;
  const index = r.currentStepIndex ?? 0;
  if (index >= r.steps.length) return 100;
  let weight = 0;
  for (const step of r.steps.slice(0, index + 1)) if (step.kind === 'setWeight') weight = step.weight;
  return weight;
}

/** A step in words, e.g. "setWeight 20 %", "pause 1h", "pause (until promoted)", "analysis error-rate". */
export function describeStep(step: CanaryStep | undefined): string {
  if (!step) return 'none';
  switch (step.kind) {
    case 'setWeight':
      return `setWeight ${step.weight} %`;
    case 'pause':
      return step.duration === undefined ? 'pause (until promoted)' : `pause ${step.duration}`;
    case 'analysis':
      return `analysis ${step.templates.join(', ') || '(no template)'}`;
    default:
      return step.name;
  }
}

/** Where the rollout stands, in one line: "step 2/4 (pause 1h), canary 20 %, Paused: CanaryPauseStep". */
export function whereItStands(r: RolloutState): string {
  const total = r.steps.length;
  const index = r.currentStepIndex ?? total;
  const step =
    total === 0
      ? 'no steps'
      : index >= total
        ? `all ${total} steps done`
        : `step ${index + 1}/${total} (${describeStep(r.steps[index])})`;
  const phase = `${r.phase ?? 'no phase yet'}${r.message ? `: ${r.message}` : ''}`;
  return `${step}, canary ${canaryWeight(r)} %, ${phase}`;
}
