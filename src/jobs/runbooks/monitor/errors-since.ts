import { z } from 'zod';

const hourSeconds = 3600;
const minSeconds = hourSeconds;
const maxSeconds = 7 * 24 * hourSeconds;

/** Seconds in a `--since` value of the strict grammar (`24h`, `7d`); undefined when it does not match. */
export function sinceSeconds(text: string): number | undefined {
  const match = /^(\d{1,3})([hd])$/.exec(text);
  if (!match) return undefined;
  return Number(match[1]) * (match[2] === 'd' ? 24 : 1) * hourSeconds;
}

/** `--since`: 1h to 7d, hours or days only, so the log window is always bounded and plain to read. */
export const sinceParam = z
  .string({ error: '--since needs a duration such as 24h or 7d' })
  .regex(/^\d{1,3}[hd]$/, {
    error: (i) => `expected a duration such as 24h or 7d, not "${String(i.input).slice(0, 20)}"`,
  })
  .refine(
    (text) => {
      const s = sinceSeconds(text);
      // A value outside the grammar was already refused by the regex; one message is enough.
      return s === undefined || (s >= minSeconds && s <= maxSeconds);
    },
    { error: (i) => `--since must be between 1h and 7d, not "${String(i.input)}"` },
  )
  .describe('a duration from 1h to 7d in hours or days, such as 24h or 7d');
