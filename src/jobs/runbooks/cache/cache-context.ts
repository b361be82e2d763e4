import type { Redis } from 'ioredis';
import { z } from 'zod';
import { UserError } from '../../../errors.js';
import { escapeGlob } from '../../../infra/redis-scan.js';
import { withRedis } from '../../../infra/redis-session.js';
import type { RunbookContext, RunTarget } from '../../runbook.js';
import { targetFailure } from '../db/db-context.js';

/** The environment's cache URL and key prefix, or a UserError naming the config that is missing. */
export function requireCache(target: RunTarget): { url: string; keyPrefix: string } {
  const url = target.env.cache?.url;
  if (!url) {
    throw new UserError(
      'unavailable',
      `No cache is configured for ${target.environment}: set services.${target.serviceKey}.environments.${target.environment}.cache.url.`,
    );
  }
  return { url, keyPrefix: target.env.cache?.keyPrefix ?? '' };
}

/** Opens a dedicated connection to the environment's cache for the duration of `work`. */
export async function withTargetCache<T>(
  ctx: Pick<RunbookContext, 'target' | 'signal'>,
  work: (redis: Redis) => Promise<T>,
): Promise<T> {
  try {
    return await withRedis(requireCache(ctx.target).url, { signal: ctx.signal }, work);
  } catch (err) {
    throw targetFailure(err, ctx.signal);
  }
}

const patternChars = /^[A-Za-z0-9:_.*-]+$/;
const patternGrammar =
  'a key pattern is made of letters, digits, ":", "_", "-", "." and "*" (no spaces, quotes, "?", "[" or "\\")';

/** A key pattern for reading (`*` allowed): the safe glob subset, at most 200 characters. */
export const auditPatternParam = z
  .string()
  .min(1, { message: patternGrammar })
  .max(200, { message: 'a key pattern is at most 200 characters' })
  .regex(patternChars, { message: patternGrammar })
  .describe('a key pattern of letters, digits, ":", "_", "-", "." and "*" (at most 200 characters)');

/** A key pattern for changing keys: the same grammar, and at least 2 literal characters, so `*` alone is refused. */
export const changePatternParam = auditPatternParam.refine((p) => p.replace(/\*/g, '').length >= 2, {
  message: 'the pattern must name at least 2 literal characters (e.g. calculation:*); "*" alone would touch every key',
});

/** The MATCH pattern: the environment's key prefix (taken literally) followed by the user's pattern. */
export function scopedMatch(keyPrefix: string, pattern: string): string {
  return `${escapeGlob(keyPrefix)}${pattern}`;
}

/**
 * A key's group for reports: the environment's prefix and what follows it up to and including the first `:`. Keys
 * without a `:` share one group. No `*` in the name: Slack's mrkdwn would read it as bold.
 */
export function keyGroup(key: string, keyPrefix: string): string {
  const rest = key.startsWith(keyPrefix) ? key.slice(keyPrefix.length) : key;
  const colon = rest.indexOf(':');
  return colon === -1 ? '(no ":" prefix)' : `${keyPrefix}${rest.slice(0, colon + 1)}`;
}

/** A key shown in Slack: cut to 100 characters, control characters replaced. */
export function shownKey(key: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what we hide.
  const clean = key.replace(/[\u0000-\u001F\u007F]/g, '?');
  return clean.length > 100 ? `${clean.slice(0, 99)}…` : clean;
}
