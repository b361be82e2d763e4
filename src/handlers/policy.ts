import type { OpsConfig, RoleName } from '../config/ops-config.js';
import { roleNames } from '../config/ops-config.js';

/** Resolves a Slack user group to its member user IDs. The bot implements it with usergroups.users.list. */
export interface GroupDirectory {
  members(groupId: string): Promise<readonly string[]>;
}

/** Rank of a role: holding a role grants every weaker one. */
export function roleRank(role: RoleName): number {
  return roleNames.indexOf(role);
}

/** True when `held` is at least `needed`. */
export function roleAtLeast(held: RoleName | undefined, needed: RoleName): boolean {
  return held !== undefined && roleRank(held) >= roleRank(needed);
}

/** Whether commands are accepted in this channel. */
export function channelAllowed(cfg: OpsConfig, channelId: string): boolean {
  return cfg.channels.allowed.includes('*') || cfg.channels.allowed.includes(channelId);
}

/** The roles, strongest first. */
const strongestFirst = [...roleNames].reverse();

/**
 * The strongest role a user holds: listed directly, through a user group, or through "*".
 * A group that cannot be resolved grants nothing (fail closed) and is reported in `unresolved`.
 */
export async function roleOf(
  cfg: OpsConfig,
  userId: string,
  groups: GroupDirectory,
): Promise<{ role: RoleName | undefined; via?: string; unresolved: string[] }> {
  const unresolved: string[] = [];
  for (const role of strongestFirst) {
    for (const member of cfg.roles[role]) {
      if (member === '*' || member === userId) return { role, via: member, unresolved };
      if (member.startsWith('S')) {
        try {
          if ((await groups.members(member)).includes(userId)) return { role, via: member, unresolved };
        } catch {
          unresolved.push(member);
        }
      }
    }
  }
  return { role: undefined, unresolved };
}
