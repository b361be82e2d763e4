import type { ClickDeps, ClickInput } from './click-context.js';
import type { CommandDeps, CommandReply } from './command-types.js';
import { handleCommand } from './handle-command.js';

/**
 * A runbook button on an alert's message: the clicker runs the suggested command as if they had typed it, in the
 * alert's environment, so it goes through exactly the slash command's path (role, channel policy, validation,
 * approval when destructive, audit).
 */
export async function alertRunbookClick(deps: ClickDeps & CommandDeps, input: ClickInput): Promise<CommandReply> {
  const [groupId = '', index = ''] = input.value.split('|');
  const group = /^ag-[0-9a-f]{16}$/.test(groupId) ? await deps.store.alertGroups.get(groupId) : undefined;
  const text = group?.suggestions[Number(index)];
  const service = group?.service ? deps.config.services[group.service] : undefined;
  if (!group || text === undefined || !service) {
    await deps.store.audit.append({
      actor: input.userId,
      channelId: input.channelId,
      action: 'alert_runbook',
      decision: 'deny',
      reason: 'not_found',
      detail: { value: input.value.slice(0, 100) },
    });
    return {
      kind: 'refused',
      code: 'not_found',
      message: 'That alert or its runbook is no longer known to the bot; type the command instead.',
    };
  }
  return handleCommand(deps, {
    command: service.command,
    text: `${text} --env ${group.environment ?? service.defaultEnvironment}`,
    userId: input.userId,
    channelId: input.channelId,
  });
}
