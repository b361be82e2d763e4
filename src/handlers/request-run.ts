import type { RoleName } from '../config/ops-config.js';
import { messageOf, newErrorId, UserError, type UserErrorCode } from '../errors.js';
import { failureLog } from '../failure-log.js';
import { StepTimeout, withDeadline } from '../jobs/deadline.js';
import { defaultMinRole, type Risk, type Runbook, type RunTarget } from '../jobs/runbook.js';
import { scrubSecrets } from '../log.js';
import type { AuditEvent } from '../store/audit.js';
import { newRunId, type Run } from '../store/runs.js';
import type { CommandDeps, CommandReply } from './command-types.js';
import { roleAtLeast } from './policy.js';

/** Arguments are checked against reality within the ack window; past this the command is refused, not hung. */
const validateDeadlineMs = 1500;

/** Runs a runbook's `validate`; returns the user-facing reason it failed, if it did. */
async function validateAgainstReality(
  deps: CommandDeps,
  runbook: Runbook<unknown>,
  target: RunTarget,
  params: unknown,
): Promise<string | undefined> {
  const validate = runbook.validate;
  if (!validate) return undefined;
  const infra = deps.createInfra(target);
  try {
    await withDeadline('validate', validateDeadlineMs, undefined, (signal) =>
      validate.call(
        runbook,
        { runId: 'validation', target, infra, signal, checkTimeoutMs: validateDeadlineMs },
        params,
      ),
    );
    return undefined;
  } catch (err) {
    if (err instanceof UserError) return err.message;
    if (err instanceof StepTimeout) return `Could not check the arguments in time (${runbook.name}); try again.`;
    const logged = failureLog(err);
    deps.log[logged.level]({ ...logged.fields, runbook: runbook.name }, 'argument validation failed');
    return `Could not check the arguments against ${target.service.displayName} (${target.environment}): ${scrubSecrets(messageOf(err))}`;
  } finally {
    await infra.close().catch(() => {});
  }
}

/** A validated request to run a runbook, from a slash command or a Re-run click. */
export interface RunRequest {
  serviceKey: string;
  serviceName: string;
  runbook: Runbook<unknown>;
  target: RunTarget;
  /** Params that passed the runbook's schema. */
  params: unknown;
  dryRun: boolean;
  userId: string;
  channelId: string;
  requestId?: string;
  role: RoleName | undefined;
  rerunOf?: string;
  /** Refuses (and audits the refusal). */
  refuse(code: UserErrorCode, message: string): Promise<CommandReply>;
  /** The audit fields of this request. */
  audit: Omit<AuditEvent, 'decision'>;
}

/**
 * The effective risk of a run and the role it needs: the runbook's own minimum, raised by the risk its arguments give
 * it (e.g. `--restore-test`, `scale 0`).
 */
export function neededRole(
  runbook: Runbook<unknown>,
  target: RunTarget,
  params: unknown,
): { risk: Risk; role: RoleName } {
  const risk = runbook.riskFor ? runbook.riskFor(target, params) : runbook.risk;
  const byRisk = defaultMinRole(risk);
  return { risk, role: roleAtLeast(runbook.minRole, byRisk) ? runbook.minRole : byRisk };
}

/**
 * Checks the request against reality, then records the run and its audit entry in one transaction and enqueues it.
 * A destructive run is recorded as `planning`: a worker computes its plan and asks for approval.
 */
export async function requestRun(deps: CommandDeps, req: RunRequest): Promise<CommandReply> {
  const { store } = deps;
  const { runbook, target } = req;
  const environment = target.environment;
  // A request delivered again (its first ack was lost) answers with the run it already made. The insert below finds
  // that out in the same round trip; a runbook that checks its arguments against reality looks first, so a second
  // delivery is never refused for what changed since the first was accepted.
  if (runbook.validate && req.requestId) {
    const earlier = await store.runs.byRequestId(req.requestId);
    if (earlier) return answerAgain(deps, earlier, req);
  }
  const { risk, role: needed } = neededRole(runbook, target, req.params);
  if (!roleAtLeast(req.role, needed)) {
    return req.refuse(
      'forbidden',
      `${runbook.name} with these arguments is ${risk} and needs the ${needed} role; you have ${req.role ?? 'no role'}.`,
    );
  }
  const dryRun = req.dryRun;
  if (dryRun && risk !== 'destructive') {
    return req.refuse(
      'invalid_arguments',
      `--dry-run is for destructive runbooks; ${runbook.name} changes nothing without approval anyway.`,
    );
  }
  if (runbook.validate) {
    const problem = await validateAgainstReality(deps, runbook, target, req.params);
    if (problem) return req.refuse('invalid_arguments', problem);
  }

  const runId = newRunId();
  if (!(await recordRun(deps, req, { runId, risk, dryRun }))) {
    // The same request came before (a redelivery, a retrying proxy, two replicas racing): one insert won.
    const first = req.requestId ? await store.runs.byRequestId(req.requestId) : undefined;
    if (!first) throw new Error(`request ${req.requestId} was recorded, but its run could not be read back`);
    return answerAgain(deps, first, req);
  }
  try {
    await deps.queue.enqueue(runId);
  } catch (err) {
    // The run is recorded but no worker will ever see it: close it as failed, with the reason and an error id, and
    // as answered (the requester is told right here), so no sweeper later posts a failure nobody can place.
    const errorId = newErrorId();
    const closed = await store.runs
      .finish(runId, {
        status: 'failed',
        error: `the job queue did not take the run: ${scrubSecrets(messageOf(err))}`,
        errorId,
      })
      .then(() => store.runs.markReported(runId))
      .then(
        () => true,
        () => false,
      );
    const logged = failureLog(err);
    deps.log[logged.level]({ ...logged.fields, runId, errorId }, 'the job queue did not take a recorded run');
    return req.refuse(
      'unavailable',
      `Run ${runId} was recorded, but the job queue did not take it (${closed ? 'it is closed as failed' : 'the store could not close it either'}), so nothing was run and nothing will be. Try again once the queue is back. Error id: ${errorId}.`,
    );
  }
  return {
    kind: 'accepted',
    runId,
    runbook: runbook.name,
    environment,
    serviceName: req.serviceName,
    phase: phaseOf(risk, dryRun),
  };
}

/** The answer to a request that came again: the run its first delivery made. */
function answerAgain(deps: CommandDeps, earlier: Run, req: RunRequest): CommandReply {
  deps.log.warn({ runId: earlier.id, requestId: req.requestId }, 'a request arrived again; answering with its run');
  return acceptedReply(earlier, req.serviceName);
}

/** The reply a request gets when it is accepted. */
function acceptedReply(run: Run, serviceName: string): CommandReply {
  return {
    kind: 'accepted',
    runId: run.id,
    runbook: run.runbook,
    environment: run.environment,
    serviceName,
    phase: phaseOf(run.risk, run.dry_run),
  };
}

function phaseOf(risk: Risk, dryRun: boolean): 'running' | 'dry_run' | 'planning' {
  return risk !== 'destructive' ? 'running' : dryRun ? 'dry_run' : 'planning';
}

/** Records the run and its audit entry (committed together); false when a run for this request id exists already. */
function recordRun(
  deps: CommandDeps,
  req: RunRequest,
  r: { runId: string; risk: Risk; dryRun: boolean },
): Promise<boolean> {
  const { runId, risk, dryRun } = r;
  return deps.store.recordRun({
    run: {
      id: runId,
      service: req.serviceKey,
      environment: req.target.environment,
      runbook: req.runbook.name,
      params: toRecord(req.params),
      risk,
      // A destructive run is planned by a worker first, then waits for approval.
      status: risk === 'destructive' ? 'planning' : 'queued',
      dryRun,
      requestedBy: req.userId,
      channelId: req.channelId,
      requestId: req.requestId,
      rerunOf: req.rerunOf,
    },
    audit: { ...req.audit, decision: 'allow', runId, detail: { role: req.role, risk, dryRun, rerunOf: req.rerunOf } },
  });
}

/** Params as the store keeps them: an object (anything else is stored as no params). */
export function toRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? { ...value } : {};
}
