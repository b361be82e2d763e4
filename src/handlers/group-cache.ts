import type { GroupDirectory } from './policy.js';

/** How long a failed lookup is remembered, at most: the group grants nothing meanwhile (fail closed). */
const failureTtlCapMs = 30_000;

/**
 * Caches another directory's answers for `ttlMs`, sharing one in-flight lookup per group. A failed lookup (an unknown
 * group, Slack unreachable or rate limited) is remembered for `failureTtlMs` (30 s, or `ttlMs` if shorter), so a
 * busy channel doesn't ask Slack on every command: usergroups.users.list is Tier 2, about 20 calls a minute.
 * `onFailure` hears of each lookup that failed (not of each command served from a remembered failure).
 */
export function cachedGroupDirectory(
  inner: GroupDirectory,
  ttlMs: number,
  now: () => number = Date.now,
  failureTtlMs: number = Math.min(ttlMs, failureTtlCapMs),
  onFailure: (groupId: string, err: unknown) => void = () => {},
): GroupDirectory {
  const cache = new Map<string, { expires: number; members: Promise<readonly string[]> }>();
  return {
    members(groupId) {
      const hit = cache.get(groupId);
      if (hit && now() < hit.expires) return hit.members;
      const members = inner.members(groupId);
      const entry = { expires: now() + ttlMs, members };
      cache.set(groupId, entry);
      members.catch((err: unknown) => {
        onFailure(groupId, err);
        entry.expires = Math.min(entry.expires, now() + failureTtlMs);
      });
      return members;
    },
  };
}
