import type { GroupDirectory } from './policy.js';

/** Caches another directory's answers for `ttlMs`, sharing one in-flight lookup per group. */
export function cachedGroupDirectory(
  inner: GroupDirectory,
  ttlMs: number,
  now: () => number = Date.now,
): GroupDirectory {
  const cache = new Map<string, { at: number; members: Promise<readonly string[]> }>();
  return {
    members(groupId) {
      const hit = cache.get(groupId);
      if (hit && now() - hit.at < ttlMs) return hit.members;
      const members = inner.members(groupId);
      cache.set(groupId, { at: now(), members });
      // A failed lookup must not be cached: the next command asks again.
      members.catch(() => {
        if (cache.get(groupId)?.members === members) cache.delete(groupId);
      });
      return members;
    },
  };
}
