import { type RoleName, serviceForCommand } from '../config/ops-config.js';
import { resolveTarget } from '../config/targets.js';
import { UserError, type UserErrorCode } from '../errors.js';
import { runbooks } from '../jobs/registry.js';
import type { Runbook, RunTarget } from '../jobs/runbook.js';
import type { AuditEvent } from '../store/audit.js';
import { alertsCommand } from './alerts-command.js';
import { parseRunbookArguments } from './argument-errors.js';
import type { CommandDeps, CommandInput, CommandReply } from './command-types.js';
import { historyCommand, historyCommands } from './history.js';
import { CommandNames, nearestCommand, tokenize } from './parse-command.js';
import { channelAllowed, roleAtLeast, roleOf } from './policy.js';
import { neededRole, requestRun } from './request-run.js';

export type { CommandDeps, CommandInput, CommandReply, HelpEntry } from './command-types.js';

/** The history commands as help lists them (read-only, for every role). */
const historyHelp = [
  {
    usage: 'runs [n] [--runbook NAME] [--user @someone]',
    summary: 'Recent runs: id, runbook, env, who, status, duration',
    risk: 'read' as const,
    minRole: 'viewer' as const,
    examples: ['runs 20 --runbook health'],
  },
  {
    usage: 'run <id>',
    summary: 'One run: plan, approvals, steps with durations, report',
    risk: 'read' as const,
    minRole: 'viewer' as const,
    examples: ['run r-1a2b3c4d5e'],
  },
  {
    usage: 'schedules',
    summary: 'Configured schedules with their next fire time',
    risk: 'read' as const,
    minRole: 'viewer' as const,
    examples: ['schedules'],
  },
  {
    usage: 'alerts',
    summary: 'What fires now (Alertmanager), grouped, with runbook buttons',
    risk: 'read' as const,
    minRole: 'viewer' as const,
    examples: ['alerts'],
  },
];

const helpWords = new Set(['help', '?', '-h', '--help']);

/** The runbooks' command names, indexed once: the registry is fixed at start. */
const runbookNames = new CommandNames(runbooks.keys());

/** The commands answered right away, without a run: the history commands and `alerts`. */
export const answeredCommands: readonly string[] = [...historyCommands, 'alerts'];

/** The role a run with these arguments would need, when they are valid; undefined when they are not. */
function roleForValidArgs(
  config: CommandDeps['config'],
  serviceKey: string,
  runbook: Runbook<unknown>,
  args: string[],
  flags: Record<string, string | true>,
  envFlag: string | true | undefined,
): RoleName | undefined {
  if (envFlag === true) return undefined;
  try {
    const parsed = parseRunbookArguments(runbook, '', args, flags);
    return parsed.ok ? neededRole(runbook, resolveTarget(config, serviceKey, envFlag), parsed.params).role : undefined;
  } catch {
    // Invalid arguments or environment: the caller falls back to the runbook's own minimum role.
    return undefined;
  }
}

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

  // A group that could not be resolved grants nothing; the directory logs the failure once per lookup it made.
  const { role } = await roleOf(config, input.userId, deps.groups);

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
      entries: [...historyHelp, ...runbooks.values()]
        .filter((rb) => roleAtLeast(role, rb.minRole))
        .map((rb) => ({
          usage: `${svc.service.command} ${rb.usage}`,
          summary: rb.summary,
          risk: rb.risk,
          examples: rb.examples,
        })),
    };
  }

  if ((words[0] ?? '').toLowerCase() === 'alerts') {
    if (!role) return refuse('forbidden', `You have no role for ${svc.service.displayName}.`, auditSvc);
    const reply = await alertsCommand(deps, {
      serviceKey: svc.key,
      serviceName: svc.service.displayName,
      args: words.slice(1),
      flags,
    });
    await store.audit.append({
      ...base,
      ...auditSvc,
      action: 'alerts',
      decision: reply.kind === 'refused' ? 'deny' : 'allow',
      reason: reply.kind === 'refused' ? reply.code : undefined,
    });
    return reply;
  }

  if (historyCommands.has((words[0] ?? '').toLowerCase())) {
    if (!role) return refuse('forbidden', `You have no role for ${svc.service.displayName}.`, auditSvc);
    const reply = await historyCommand(deps, {
      serviceKey: svc.key,
      serviceName: svc.service.displayName,
      words: [(words[0] ?? '').toLowerCase(), ...words.slice(1)],
      flags,
      refuse: (message) => ({ kind: 'refused', code: 'invalid_arguments', message }),
    });
    await store.audit.append({
      ...base,
      ...auditSvc,
      action: (words[0] ?? '').toLowerCase(),
      decision: reply.kind === 'refused' ? 'deny' : 'allow',
      reason: reply.kind === 'refused' ? 'invalid_arguments' : undefined,
    });
    return reply;
  }

  const match = runbookNames.match(words);
  if (!match) {
    const near = nearestCommand(words, [...runbooks.keys(), ...answeredCommands, 'help']);
    return refuse('unknown_command', `"${words.join(' ').slice(0, 60)}" is not a command.`, {
      ...auditSvc,
      suggestion: near ? `${svc.service.command} ${near}` : undefined,
    });
  }
  const runbook: Runbook<unknown> | undefined = runbooks.get(match.name);
  if (!runbook) return refuse('unknown_command', `"${match.name}" is not a command.`, auditSvc);
  const action = `run:${runbook.name}`;

  const { env: envFlag, 'dry-run': dryRunFlag, ...runbookFlags } = flags;
  if (!roleAtLeast(role, runbook.minRole)) {
    // Refused before the arguments are checked, but it names the role these arguments need when they are valid
    // (they can raise it), so one grant is enough.
    const needed = roleForValidArgs(config, svc.key, runbook, match.args, runbookFlags, envFlag) ?? runbook.minRole;
    const what = needed === runbook.minRole ? runbook.name : `${runbook.name} with these arguments`;
    return refuse('forbidden', `${what} needs the ${needed} role; you have ${role ?? 'no role'}.`, {
      ...auditSvc,
      action,
    });
  }

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

  const parsed = parseRunbookArguments(runbook, svc.service.command, match.args, runbookFlags);
  if (!parsed.ok) return refuse('invalid_arguments', parsed.message, audit);
  return requestRun(deps, {
    serviceKey: svc.key,
    serviceName: svc.service.displayName,
    runbook,
    target,
    params: parsed.params,
    dryRun: dryRunFlag === true,
    userId: input.userId,
    channelId: input.channelId,
    requestId: input.requestId,
    role,
    refuse: (code: UserErrorCode, message: string) => refuse(code, message, audit),
    audit: { ...base, ...audit },
  });
}
