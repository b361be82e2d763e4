import type { Redis } from 'ioredis';
import { z } from 'zod';
import { messageOf } from '../errors.js';

/** `CONFIG GET` of each name: its value, or undefined when this Redis does not know it. */
export async function configGet(redis: Redis, names: readonly string[]): Promise<Record<string, string | undefined>> {
  const out: Record<string, string | undefined> = {};
  for (const name of names) {
    // CONFIG GET answers a flat [name, value, ...] list; an unknown name gives an empty one.
    const reply = z.array(z.string()).parse(await redis.call('CONFIG', 'GET', name));
    out[name] = reply[1];
  }
  return out;
}

/** `CONFIG SET name value`; rejects with Redis's own error (unknown name, bad value, CONFIG renamed away). */
export async function configSet(redis: Redis, name: string, value: string): Promise<void> {
  const answer = await redis.call('CONFIG', 'SET', name, value);
  if (answer !== 'OK') throw new Error(`CONFIG SET ${name} answered ${String(answer)}`);
}

/**
 * `CONFIG REWRITE`: writes the running configuration back to the config file. A Redis started without one (or
 * whose file it may not write) refuses, and says why; that is an answer to report, not a failure.
 */
export async function configRewrite(redis: Redis): Promise<{ rewritten: true } | { rewritten: false; reason: string }> {
  try {
    await redis.call('CONFIG', 'REWRITE');
    return { rewritten: true };
  } catch (err) {
    return { rewritten: false, reason: messageOf(err) };
  }
}
