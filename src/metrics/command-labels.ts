import type { UserErrorCode } from '../errors.js';
import { matchCommand, tokenize } from '../handlers/parse-command.js';
import type { CommandOutcome } from './metrics.js';

const helpWords = new Set(['help', '?', '-h', '--help']);

/**
 * The `command` label of a slash command's text: the runbook it names, `help`, or `unknown`. Only names from
 * `known` (the runbook registry) come out, so whatever people type, the label's values stay a short fixed list.
 */
export function commandLabelOf(text: string, known: Iterable<string>): string {
  const tokens = tokenize(text);
  if (!tokens.ok) return 'unknown';
  const { words, flags } = tokens.line;
  if (words.length === 0 || helpWords.has((words[0] ?? '').toLowerCase()) || flags.help === true) return 'help';
  return matchCommand(words, known)?.name ?? 'unknown';
}

/** The `outcome` label of a command reply: accepted, help, or the refusal's code. */
export function commandOutcomeOf(
  reply: { kind: 'help' } | { kind: 'accepted' } | { kind: 'refused'; code: UserErrorCode },
): CommandOutcome {
  return reply.kind === 'refused' ? reply.code : reply.kind;
}
