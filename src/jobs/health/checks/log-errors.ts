import { z } from 'zod';

// The fields structured loggers put the level and the message in (pino, bunyan, structlog, logrus, zap, ...).
const jsonLine = z
  .object({
    level: z.union([z.string(), z.number()]).optional(),
    severity: z.string().optional(),
    levelname: z.string().optional(),
    lvl: z.string().optional(),
    error_message: z.string().optional(),
    message: z.string().optional(),
    msg: z.string().optional(),
    event: z.string().optional(),
    error: z.union([z.string(), z.object({ message: z.string().optional() })]).optional(),
    err: z.object({ message: z.string().optional() }).optional(),
  })
  .loose();

const errorLevel = /^(error|err|fatal|critical|crit|alert|emerg(ency)?)$/i;
// pino and bunyan: 50 is error, 60 fatal.
const numericErrorLevel = 50;

/**
 * Replaces what differs between occurrences of the same error (timestamps, ids, numbers, addresses) with
 * placeholders, so that repeats group together.
 */
export function normalizeMessage(message: string): string {
  return message
    .replace(/\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?/g, '<time>')
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<id>')
    .replace(/\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b/gi, '<id>')
    .replace(/\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b/g, '<ip>')
    .replace(/\b\d+(?:\.\d+)?\b/g, '<n>')
    .replace(/\s+/g, ' ')
    .trim();
}

function fromJson(line: string): { isError: boolean; message: string } | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return undefined;
  }
  const fields = jsonLine.safeParse(parsed);
  if (!fields.success) return undefined;
  const f = fields.data;
  const level = f.level ?? f.severity ?? f.levelname ?? f.lvl;
  const isError =
    level === undefined
      ? line.includes('ERROR')
      : typeof level === 'number'
        ? level >= numericErrorLevel
        : errorLevel.test(level);
  const nested = typeof f.error === 'object' ? f.error.message : f.error;
  const message = f.error_message ?? f.message ?? f.msg ?? nested ?? f.err?.message ?? f.event ?? line;
  return { isError, message };
}

/**
 * The grouping key of a log line when it reports an error, else undefined. JSON lines are judged by their level
 * field and keyed by error_message/message; text lines by the word ERROR (as the guide's grep) or level=error.
 */
export function errorMessageOf(line: string): string | undefined {
  const trimmed = line.trim();
  if (trimmed === '') return undefined;
  if (trimmed.startsWith('{')) {
    const json = fromJson(trimmed);
    if (json) return json.isError ? normalizeMessage(json.message) || '(empty message)' : undefined;
  }
  // Upper-case ERROR only, like the guide's grep: "error" in prose (e.g. "0 errors") is not a level.
  const marker = /\bERROR\b/.exec(trimmed) ?? /\blevel=(?:error|fatal)\b/i.exec(trimmed);
  if (!marker) return undefined;
  // What follows the level marker is the message; the prefix is timestamp, level and logger name.
  const rest = trimmed.slice(marker.index + marker[0].length).replace(/^[\s:\]|-]+/, '');
  return normalizeMessage(rest || trimmed) || '(empty message)';
}

/** Error lines counted and grouped by normalized message. */
export interface ErrorTally {
  count: number;
  groups: Map<string, number>;
}

/** Adds the error lines of one log to a tally. */
export function tallyErrors(log: string, tally: ErrorTally): void {
  for (const line of log.split('\n')) {
    const key = errorMessageOf(line);
    if (key === undefined) continue;
    tally.count += 1;
    tally.groups.set(key, (tally.groups.get(key) ?? 0) + 1);
  }
}

/** The most frequent messages, most frequent first. */
export function topMessages(tally: ErrorTally, limit: number): Array<{ message: string; count: number }> {
  return [...tally.groups.entries()]
    .map(([message, count]) => ({ message, count }))
    .sort((a, b) => b.count - a.count || a.message.localeCompare(b.message))
    .slice(0, limit);
}
