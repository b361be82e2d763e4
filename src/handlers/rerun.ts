import { resolveTarget } from '../config/targets.js';
import { UserError } from '../errors.js';
import { runbooks } from '../jobs/registry.js';
import type { ClickDeps, ClickInput } from './click-context.js';
import type { CommandDeps, CommandReply } from './command-types.js';
import { channelAllowed, roleAtLeast, roleOf } from './policy.js';
import { requestRun } from './request-run.js';

/**
 * The Re-run button on a finished report: the clicker requests the same runbook with the same params, through the
 * same policy as a new command (role, channel, validation against reality, and approval when destructive).
 */
export async function rerunClick(deps: ClickDeps & CommandDeps, input: ClickInput): Promise<CommandReply> {
  const base = { actor: input.userId, channelId: input.channelId, action: 'rerun' };
  const refuse = async (
    code: Parameters<typeof deps.store.audit.append>[0]['reason'] & string,
    message: string,
    extra = {},
  ) => {
    await deps.store.audit.append({ ...base, decision: 'deny', reason: code, ...extra });
    return { kind: 'refused' as const, code: 'forbidden' as const, message };
  };
  const original = await deps.store.runs.get(input.value);
  if (!original) return refuse('not_found', 'That run does not exist.');
  const audit = { service: original.service, environment: original.environment, detail: { rerunOf: original.id } };
  const service = deps.config.services[original.service];
  const runbook = runbooks.get(original.runbook);
  if (!service || !runbook) return refuse('not_found', `${original.runbook} is no longer configured.`, audit);
  if (!channelAllowed(deps.config, input.channelId))
    return refuse('channel_not_allowed', 'Runs cannot be started from this channel.', audit);
  const { role } = await roleOf(deps.config, input.userId, deps.groups);
  if (!roleAtLeast(role, runbook.minRole)) {
    return refuse(
      'forbidden',
      `${runbook.name} needs the ${runbook.minRole} role; you have ${role ?? 'no role'}.`,
      audit,
    );
  }
  const params = runbook.params.safeParse(original.params);
  if (!params.success)
    return refuse('invalid_arguments', `The params of ${original.id} are no longer valid for ${runbook.name}.`, audit);
  let target: ReturnType<typeof resolveTarget>;
  try {
    target = resolveTarget(deps.config, original.service, original.environment);
  } catch (err) {
    if (err instanceof UserError) return refuse(err.code, err.message, audit);
    throw err;
  }
  return requestRun(deps, {
    serviceKey: original.service,
    serviceName: service.displayName,
    runbook,
    target,
    params: params.data,
    dryRun: false,
    userId: input.userId,
    channelId: input.channelId,
    role,
    rerunOf: original.id,
    refuse: async (code, message) => {
      await deps.store.audit.append({ ...base, ...audit, decision: 'deny', reason: code });
      return { kind: 'refused', code, message };
    },
    audit: { ...base, ...audit, action: `run:${runbook.name}`, commandText: `re-run of ${original.id}` },
  });
}
