import { randomUUID } from 'node:crypto';
import { cloneJson, ensureObjectAt, isJsonObject, type JsonObject, objectAt, stringAt } from './json-value.js';
import { kubeSafeString, kubeTime, podFixture } from './kube-fixtures.js';
import { kubeStatus } from './kube-status.js';

/** How a Job the fake controller started ends; `logs` are the pod's container logs, by container name. */
export interface JobOutcome {
  succeeded: boolean;
  /** Text of each container's log (what trivy printed, say). */
  logs?: Record<string, string>;
  /** Exit code per container; defaults to 0 on success and 1 for every container on failure. */
  exitCodes?: Record<string, number>;
  /** The Failed condition's reason and message; default BackoffLimitExceeded, as with `backoffLimit: 0`. */
  reason?: string;
  message?: string;
}

/** Decides, when a Job's pod starts, how the Job ends; undefined leaves it running. */
export type JobRunner = (job: JsonObject) => JobOutcome | undefined;

/** A validation failure the API server answers with (422 Invalid, 409 AlreadyExists). */
export class JobCreateError extends Error {
  constructor(
    readonly code: number,
    readonly status: JsonObject,
  ) {
    super(typeof status.message === 'string' ? status.message : `HTTP ${code}`);
  }
}

function invalid(name: string, field: string, detail: string): JobCreateError {
  return new JobCreateError(
    422,
    kubeStatus(422, `Job.batch "${name}" is invalid: ${field}: ${detail}`, {
      name,
      group: 'batch',
      kind: 'Job',
      causes: [{ reason: 'FieldValueInvalid', message: detail, field }],
    }),
  );
}

/**
 * A Job as the API server stores it on create: the name from `generateName`, the controller-uid selector and
 * labels the Job controller relies on, batch/v1 defaults, and an empty status. Refuses what the real server refuses
 * for a run-once Job: a pod template without containers, or a restartPolicy other than Never or OnFailure.
 */
export function admitJob(body: JsonObject, exists: (name: string) => boolean): JsonObject {
  const job = cloneJson(body);
  const meta = ensureObjectAt(job, 'metadata');
  const generate = stringAt(meta, 'generateName');
  if (stringAt(meta, 'name') === undefined && generate !== undefined) meta.name = `${generate}${kubeSafeString(5)}`;
  const name = stringAt(meta, 'name');
  if (name === undefined) {
    throw new JobCreateError(
      422,
      kubeStatus(422, 'Job.batch "" is invalid: metadata.name: Required value: name or generateName is required'),
    );
  }
  if (exists(name)) {
    throw new JobCreateError(
      409,
      kubeStatus(409, `jobs.batch "${name}" already exists`, { name, group: 'batch', kind: 'jobs' }),
    );
  }
  const spec = ensureObjectAt(job, 'spec');
  const podSpec = objectAt(spec, 'template', 'spec');
  const containers = podSpec?.containers;
  if (!Array.isArray(containers) || containers.length === 0) {
    throw invalid(name, 'spec.template.spec.containers', 'Required value');
  }
  const restart = stringAt(podSpec, 'restartPolicy');
  if (restart !== 'Never' && restart !== 'OnFailure') {
    throw invalid(name, 'spec.template.spec.restartPolicy', `Required value: valid values: "OnFailure", "Never"`);
  }
  const uid = randomUUID();
  meta.uid = uid;
  const jobLabels = {
    'batch.kubernetes.io/controller-uid': uid,
    'batch.kubernetes.io/job-name': name,
    'controller-uid': uid,
    'job-name': name,
  };
  Object.assign(ensureObjectAt(meta, 'labels'), jobLabels);
  Object.assign(ensureObjectAt(ensureObjectAt(ensureObjectAt(spec, 'template'), 'metadata'), 'labels'), jobLabels);
  spec.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
  spec.backoffLimit ??= 6;
  spec.completions ??= 1;
  spec.parallelism ??= 1;
  spec.completionMode ??= 'NonIndexed';
  spec.suspend ??= false;
  spec.podReplacementPolicy ??= 'TerminatingOrFailed';
  job.status = {};
  return job;
}

/** The Job's pod as the controller creates it: the template's spec, its labels, owned by the Job, Running. */
export function jobPod(job: JsonObject, now: Date): JsonObject {
  const name = stringAt(objectAt(job, 'metadata'), 'name') ?? 'job';
  const namespace = stringAt(objectAt(job, 'metadata'), 'namespace') ?? 'default';
  const template = objectAt(job, 'spec', 'template') ?? {};
  const templateSpec = objectAt(template, 'spec') ?? {};
  const containers = Array.isArray(templateSpec.containers) ? templateSpec.containers.filter(isJsonObject) : [];
  const pod = podFixture({
    name: `${name}-${kubeSafeString(5)}`,
    namespace,
    labels: Object.fromEntries(
      Object.entries(objectAt(template, 'metadata', 'labels') ?? {}).flatMap(([k, v]) =>
        typeof v === 'string' ? [[k, v]] : [],
      ),
    ),
    phase: 'Running',
    containers: containers.flatMap((c) => (typeof c.name === 'string' ? [c.name] : [])),
    image: stringAt(containers[0], 'image') ?? 'busybox',
    startedAt: now,
    ownerReferences: [
      {
        apiVersion: 'batch/v1',
        kind: 'Job',
        name,
        uid: stringAt(objectAt(job, 'metadata'), 'uid') ?? randomUUID(),
        controller: true,
        blockOwnerDeletion: true,
      },
    ],
  });
  // The pod runs exactly the template's containers (security context, args, volumes), on a node.
  pod.spec = { ...cloneJson(templateSpec), nodeName: 'node-1', schedulerName: 'default-scheduler' };
  return pod;
}

/** Status of a Job whose pod runs. */
export function jobRunning(job: JsonObject, now: Date): void {
  job.status = {
    startTime: kubeTime(now),
    active: 1,
    ready: 1,
    terminating: 0,
    uncountedTerminatedPods: {},
  };
}

/**
 * Ends the pod and the Job as the kubelet and the Job controller do: each container terminated with its exit code,
 * the pod Succeeded or Failed, and the Job's SuccessCriteriaMet/Complete or FailureTarget/Failed conditions.
 */
export function jobFinished(job: JsonObject, pod: JsonObject | undefined, outcome: JobOutcome, now: Date): void {
  const at = kubeTime(now);
  const status = ensureObjectAt(pod ?? {}, 'status');
  status.phase = outcome.succeeded ? 'Succeeded' : 'Failed';
  const statuses = Array.isArray(status.containerStatuses) ? status.containerStatuses.filter(isJsonObject) : [];
  for (const s of statuses) {
    const name = typeof s.name === 'string' ? s.name : '';
    const exitCode = outcome.exitCodes?.[name] ?? (outcome.succeeded ? 0 : 1);
    s.state = {
      terminated: {
        exitCode,
        reason: exitCode === 0 ? 'Completed' : 'Error',
        startedAt: stringAt(status, 'startTime') ?? at,
        finishedAt: at,
        containerID: s.containerID ?? `containerd://${randomUUID().replaceAll('-', '')}`,
      },
    };
    s.ready = false;
    s.started = false;
  }
  const reason = outcome.reason ?? (outcome.succeeded ? 'CompletionsReached' : 'BackoffLimitExceeded');
  const message =
    outcome.message ??
    (outcome.succeeded ? 'Reached expected number of succeeded pods' : 'Job has reached the specified backoff limit');
  const condition = (type: string) => ({
    type,
    status: 'True',
    lastProbeTime: at,
    lastTransitionTime: at,
    reason,
    message,
  });
  const jobStatus = ensureObjectAt(job, 'status');
  delete jobStatus.active;
  jobStatus.ready = 0;
  if (outcome.succeeded) {
    jobStatus.succeeded = 1;
    jobStatus.completionTime = at;
    jobStatus.conditions = [condition('SuccessCriteriaMet'), condition('Complete')];
  } else {
    jobStatus.failed = 1;
    jobStatus.conditions = [condition('FailureTarget'), condition('Failed')];
  }
}
