import type { OpsConfig, RoleName } from '../config/ops-config.js';
import { serviceForCommand } from '../config/ops-config.js';
import { resolveTarget } from '../config/targets.js';
import { messageOf, UserError, type UserErrorCode } from '../errors.js';
import type { Infra } from '../infra/infra.js';
import { StepTimeout, withDeadline } from '../jobs/deadline.js';
import type { RunQueue } from '../jobs/queue.js';
import { runbooks } from '../jobs/registry.js';
import type { Risk, Runbook, RunTarget } from '../jobs/runbook.js';
import { type Logger, scrubSecrets } from '../log.js';
import { type AuditEvent, AuditLog } from '../store/audit.js';
import { newRunId, RunStore } from '../store/runs.js';
import type { Store } from '../store/store.js';
import { matchCommand, nearestCommand, tokenize } from './parse-command.js';
import { channelAllowed, type GroupDirectory, roleAtLeast, roleOf } from './policy.js';

/** A slash command as the bot received it. */
export interface CommandInput {
  command: string;
  text: string;
  userId: string;
  channelId: string;
  requestId?: string;
}

/** One line of help. */
export interface HelpEntry {
  usage: string;
  summary: string;
  risk: Risk;
  examples: string[];
}

/** What the user is told right away (ephemerally); the bot renders it. */
export type CommandReply =
  | { kind: 'help'; command: string; serviceName: string; role: RoleName; entries: HelpEntry[]; environments: string[] }
  | { kind: 'refused'; code: UserErrorCode; message: string; suggestion?: string }
  | {
      kind: 'accepted';
      runId: string;
      runbook: string;
      environment: string;
      serviceName: string;
      /** running: queued now; planning: a plan is computed and posted for approval; dry_run: the plan only. */
      phase: 'running' | 'planning' | 'dry_run';
    };

/** What handling a command needs. */
export interface CommandDeps {
  config: OpsConfig;
  store: Store;
  queue: RunQueue;
  groups: GroupDirectory;
  log: Logger;
  /** Adapters for validating arguments against reality (e.g. the backup exists). */
  createInfra(target: RunTarget): Infra;
}

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
    deps.log.warn({ err, runbook: runbook.name }, 'argument validation failed');
    return `Could not check the arguments against ${target.service.displayName} (${target.environment}): ${scrubSecrets(messageOf(err))}`;
  } finally {
    await infra.close().catch(() => {});
  }
}

const helpWords = new Set(['help', '?', '-h', '--help']);

/**
 * Parses, authorizes, persists and enqueues one slash command, and says what to tell the user.
 * Every command and every allow/deny decision is audited. Bad input changes nothing but the audit log.
 */
export async function handleCommand(deps: CommandDeps, input: CommandInput): Promise<CommandReply> {
  const { config, store } = deps;
  const base: Omit<AuditEvent, 'action' | 'decision'> = {
    actor: input.userId,
    channelId: input.channelId,
    commandText: `${input.command} ${input.text}`.trim().slice(0, 2000),
    requestId: input.requestId,
  };
  const refuse = async (
    code: UserErrorCode,
    message: string,
    extra: Partial<AuditEvent> & { suggestion?: string } = {},
  ): Promise<CommandReply> => {
    const { suggestion, ...audit } = extra;
    await store.audit.append({ ...base, action: audit.action ?? 'command', decision: 'deny', reason: code, ...audit });
    return { kind: 'refused', code, message, suggestion };
  };

  const svc = serviceForCommand(config, input.command);
  if (!svc) return refuse('unknown_service', `${input.command} is not configured for any service.`);
  const auditSvc = { service: svc.key };

  if (!channelAllowed(config, input.channelId)) {
    return refuse(
      'channel_not_allowed',
      `${input.command} can't be used in this channel. Ask an admin to add it to channels.allowed.`,
      auditSvc,
    );
  }

  const tokens = tokenize(input.text);
  if (!tokens.ok) return refuse('invalid_arguments', tokens.reason, auditSvc);
  const { words, flags } = tokens.line;

  const { role, unresolved } = await roleOf(config, input.userId, deps.groups);
  if (unresolved.length > 0)
    deps.log.warn({ groups: unresolved }, 'user groups could not be resolved; they grant nothing');

  if (words.length === 0 || helpWords.has((words[0] ?? '').toLowerCase()) || flags.help === true) {
    if (!role)
      return refuse(
        'forbidden',
        `You have no role for ${svc.service.displayName}. Ask an admin to add you to roles in the ops config.`,
        auditSvc,
      );
    await store.audit.append({ ...base, ...auditSvc, action: 'help', decision: 'allow' });
    return {
      kind: 'help',
      command: svc.service.command,
      serviceName: svc.service.displayName,
      role,
      environments: Object.keys(svc.service.environments),
      entries: [...runbooks.values()]
        .filter((rb) => roleAtLeast(role, rb.minRole))
        .map((rb) => ({
          usage: `${svc.service.command} ${rb.usage}`,
          summary: rb.summary,
          risk: rb.risk,
          examples: rb.examples,
        })),
    };
  }

  const match = matchCommand(words, runbooks.keys());
  if (!match) {
    const near = nearestCommand(words, [...runbooks.keys(), 'help']);
    return refuse('unknown_command', `"${words.join(' ').slice(0, 60)}" is not a command.`, {
      ...auditSvc,
      suggestion: near ? `${svc.service.command} ${near}` : undefined,
    });
  }
  const runbook: Runbook<unknown> | undefined = runbooks.get(match.name);
  if (!runbook) return refuse('unknown_command', `"${match.name}" is not a command.`, auditSvc);
  const action = `run:${runbook.name}`;

  if (!roleAtLeast(role, runbook.minRole)) {
    return refuse('forbidden', `${runbook.name} needs the ${runbook.minRole} role; you have ${role ?? 'no role'}.`, {
      ...auditSvc,
      action,
    });
  }

  const { env: envFlag, 'dry-run': dryRunFlag, ...runbookFlags } = flags;
  if (envFlag === true) return refuse('invalid_arguments', '--env needs a value.', { ...auditSvc, action });
  let target: RunTarget;
  try {
    target = resolveTarget(config, svc.key, envFlag);
  } catch (err) {
    if (err instanceof UserError) return refuse(err.code, err.message, { ...auditSvc, action });
    throw err;
  }
  const environment = target.environment;
  const audit = { ...auditSvc, environment, action };

  const parsed = runbook.params.safeParse(runbook.parseArgs(match.args, runbookFlags));
  if (!parsed.success) {
    const reason = parsed.error.issues
      .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
      .join('; ');
    return refuse(
      'invalid_arguments',
      `Invalid arguments for ${runbook.name}: ${reason}. Usage: ${svc.service.command} ${runbook.usage}`,
      audit,
    );
  }
  const risk = runbook.riskFor ? runbook.riskFor(target, parsed.data) : runbook.risk;
  const dryRun = dryRunFlag === true;
  if (dryRun && risk !== 'destructive') {
    return refuse(
      'invalid_arguments',
      `--dry-run is for destructive runbooks; ${runbook.name} changes nothing without approval anyway.`,
      audit,
    );
  }
  if (runbook.validate) {
    const problem = await validateAgainstReality(deps, runbook, target, parsed.data);
    if (problem) return refuse('invalid_arguments', problem, audit);
  }

  const runId = newRunId();
  await store.db.tx(async (client) => {
    await new RunStore(client).create({
      id: runId,
      service: svc.key,
      environment,
      runbook: runbook.name,
      params: toRecord(parsed.data),
      risk,
      // A destructive run is planned by a worker first, then waits for approval.
      status: risk === 'destructive' ? 'planning' : 'queued',
      dryRun,
      requestedBy: input.userId,
      channelId: input.channelId,
      requestId: input.requestId,
    });
    await new AuditLog(client).append({ ...base, ...audit, decision: 'allow', runId, detail: { role, risk, dryRun } });
  });
  try {
    await deps.queue.enqueue(runId);
  } catch (err) {
    // The run is recorded but no worker will ever see it: close it, so history shows what happened.
    await store.runs.finish(runId, { status: 'failed', error: 'the job queue did not accept the run' }).catch(() => {});
    throw err;
  }
  return {
    kind: 'accepted',
    runId,
    runbook: runbook.name,
    environment,
    serviceName: svc.service.displayName,
    phase: risk !== 'destructive' ? 'running' : dryRun ? 'dry_run' : 'planning',
  };
}

function toRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? { ...value } : {};
}
