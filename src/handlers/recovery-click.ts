import { resolveTarget } from '../config/targets.js';
import { UserError } from '../errors.js';
import { runbooks } from '../jobs/registry.js';
import type { RecoveryAction } from '../jobs/report.js';
import type { ClickDeps, ClickInput } from './click-context.js';
import type { CommandDeps, CommandReply } from './command-types.js';
import { channelAllowed, roleAtLeast, roleOf } from './policy.js';
import { requestRun } from './request-run.js';

const recoveryRunbooks: Record<RecoveryAction, { name: string; params: (runId: string) => unknown }> = {
  rollback: { name: 'restore rollback', params: (run) => ({ run }) },
  'scale-up': { name: 'restore scale-up', params: () => ({}) },
};

/**
 * Roll back / Scale back up on a stopped restore: an approver clicks, and that starts `restore rollback <run>` or
 * `restore scale-up` as if they had typed it, through the same policy, validation, approval (a rollback is
 * destructive, so a second person approves it) and audit.
 */
export async function recoveryClick(
  deps: ClickDeps & CommandDeps,
  input: ClickInput,
  action: RecoveryAction,
): Promise<CommandReply> {
  const base = { actor: input.userId, channelId: input.channelId, action: `recovery:${action}` };
  const refuse = async (code: 'not_found' | 'channel_not_allowed' | 'forbidden', message: string, extra = {}) => {
    await deps.store.audit.append({ ...base, decision: 'deny', reason: code, ...extra });
    return { kind: 'refused' as const, code, message };
  };
  const original = await deps.store.runs.get(input.value);
  if (!original) return refuse('not_found', 'That run does not exist.');
  const audit = { service: original.service, environment: original.environment, detail: { recoveryOf: original.id } };
  const what = recoveryRunbooks[action];
  const runbook = runbooks.get(what.name);
  const service = deps.config.services[original.service];
  if (!service || !runbook) return refuse('not_found', `${what.name} is not available for ${original.service}.`, audit);
  if (!channelAllowed(deps.config, input.channelId)) {
    return refuse('channel_not_allowed', 'Runs cannot be started from this channel.', audit);
  }
  const { role } = await roleOf(deps.config, input.userId, deps.groups);
  if (!roleAtLeast(role, 'approver')) {
    return refuse(
      'forbidden',
      `Only an approver can start ${what.name} from here; you are ${role ?? 'not in any role'}.`,
      audit,
    );
  }
  let target: ReturnType<typeof resolveTarget>;
  try {
    target = resolveTarget(deps.config, original.service, original.environment);
  } catch (err) {
    if (err instanceof UserError) return refuse('not_found', err.message, audit);
    throw err;
  }
  const params = runbook.params.parse(what.params(original.id));
  return requestRun(deps, {
    serviceKey: original.service,
    serviceName: service.displayName,
    runbook,
    target,
    params,
    dryRun: false,
    userId: input.userId,
    channelId: input.channelId,
    role,
    refuse: async (code, message) => {
      await deps.store.audit.append({ ...base, ...audit, decision: 'deny', reason: code });
      return { kind: 'refused', code, message };
    },
    audit: { ...base, ...audit, action: `run:${runbook.name}`, commandText: `${what.name} from run ${original.id}` },
  });
}
