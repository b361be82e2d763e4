import { describe, expect, it } from 'vitest';
import { cachedGroupDirectory } from '../../src/handlers/group-cache.js';
import type { GroupDirectory } from '../../src/handlers/policy.js';

/** A directory that counts lookups; `fail` makes the next lookups fail as Slack does for an unknown group. */
function countingDirectory() {
  const state = { calls: 0, fail: false };
  const directory: GroupDirectory = {
    async members() {
      state.calls += 1;
      if (state.fail) throw new Error('An API error occurred: no_such_subteam');
      return ['U1'];
    },
  };
  return { state, directory };
}

describe('cachedGroupDirectory', () => {
  it('serves a group from the cache for the TTL, then asks again', async () => {
    let now = 0;
    const { state, directory } = countingDirectory();
    const cache = cachedGroupDirectory(directory, 60_000, () => now);
    expect(await cache.members('S1')).toEqual(['U1']);
    now = 59_999;
    expect(await cache.members('S1')).toEqual(['U1']);
    expect(state.calls).toBe(1);
    now = 60_000;
    await cache.members('S1');
    expect(state.calls).toBe(2);
  });

  it('remembers a failed lookup for 30 s (not the full TTL), failing closed meanwhile, then asks again', async () => {
    let now = 0;
    const { state, directory } = countingDirectory();
    state.fail = true;
    const cache = cachedGroupDirectory(directory, 10 * 60_000, () => now);
    // A burst of commands in a busy channel: one lookup, every one of them refused by the same failure.
    const burst = await Promise.allSettled(Array.from({ length: 50 }, () => cache.members('S1')));
    expect(burst.every((r) => r.status === 'rejected')).toBe(true);
    now = 29_999;
    await expect(cache.members('S1')).rejects.toThrow('no_such_subteam');
    expect(state.calls).toBe(1);
    // Slack knows the group again; after 30 s the next command sees it.
    state.fail = false;
    now = 30_000;
    expect(await cache.members('S1')).toEqual(['U1']);
    expect(state.calls).toBe(2);
  });

  it('keeps a failure no longer than a TTL shorter than 30 s', async () => {
    let now = 0;
    const { state, directory } = countingDirectory();
    state.fail = true;
    const cache = cachedGroupDirectory(directory, 5_000, () => now);
    await expect(cache.members('S1')).rejects.toThrow();
    now = 5_000;
    await expect(cache.members('S1')).rejects.toThrow();
    expect(state.calls).toBe(2);
  });
});
