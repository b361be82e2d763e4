import type { UserErrorCode } from '../errors.js';
import { CommandNames, tokenize } from '../handlers/parse-command.js';
import type { CommandOutcome } from './metrics.js';

const helpWords = new Set(['help', '?', '-h', '--help']);

/**
 * The `command` label of a slash command's text: the command it names, `help`, or `unknown`. Only names from
 * `known` (the runbook registry and the history commands) come out, so whatever people type, the label's values
 * stay a short fixed list.
 */
export function commandLabelOf(text: string, known: CommandNames | Iterable<string>): string {
  const tokens = tokenize(text);
  if (!tokens.ok) return 'unknown';
  const { words, flags } = tokens.line;
  if (words.length === 0 || helpWords.has((words[0] ?? '').toLowerCase()) || flags.help === true) return 'help';
  return (known instanceof CommandNames ? known : new CommandNames(known)).match(words)?.name ?? 'unknown';
}

/** The parts of a command reply the outcome depends on (a `CommandReply` is one). */
export type ReplyOutcome = { kind: 'refused'; code: UserErrorCode } | { kind: string };

/**
 * The `outcome` label of a command reply: accepted (a run was queued), help, the refusal's code, or answered (a
 * read-only answer such as run history).
 */
export function commandOutcomeOf(reply: ReplyOutcome): CommandOutcome {
  if ('code' in reply) return reply.code;
  if (reply.kind === 'accepted' || reply.kind === 'help') return reply.kind;
  return 'answered';
}
