/** Slack's Block Kit limits that our views respect (checked by golden tests). */
export const limits = {
  blocksPerMessage: 50,
  sectionText: 3000,
  headerText: 150,
  contextElementText: 2000,
  fieldText: 2000,
  fieldsPerSection: 10,
  buttonText: 75,
  actionId: 255,
  /** Total message text above which Slack may answer msg_blocks_too_long even within per-block limits. */
  messageChars: 12_000,
  /** The plain `text` fallback. */
  fallbackText: 3000,
} as const;

/** Cuts text to `max` characters, marking the cut with an ellipsis. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - 1))}…`;
}

/** Packs lines into chunks of at most `max` characters each, truncating any single line that alone is too long. */
export function packLines(lines: readonly string[], max: number): string[] {
  const chunks: string[] = [];
  let current = '';
  for (const raw of lines) {
    const line = truncate(raw, max);
    const next = current === '' ? line : `${current}\n${line}`;
    if (next.length > max) {
      chunks.push(current);
      current = line;
    } else {
      current = next;
    }
  }
  if (current !== '') chunks.push(current);
  return chunks;
}

/** Escapes the three characters Slack's mrkdwn treats as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Characters of mrkdwn a message may carry in total; Slack answers msg_blocks_too_long above about 13.2k. */
const messageBudget = 11_500;

function sectionChars(b: { text?: { text: string }; fields?: { text: string }[] }): number {
  return (b.text?.text.length ?? 0) + (b.fields ?? []).reduce((n, f) => n + f.text.length, 0);
}

/**
 * Fits blocks into one Slack message: headers, context and actions stay; sections are kept in order while the total
 * stays under the budget (the first that does not fit is shortened, later ones dropped), and a note says what was cut.
 */
export function fitMessage<B extends { type: string }>(blocks: B[], note: (cut: number) => B): B[] {
  let used = 0;
  let cut = 0;
  const kept: B[] = [];
  for (const b of blocks) {
    if (b.type !== 'section') {
      kept.push(b);
      continue;
    }
    const section = b as B & { text?: { type: string; text: string }; fields?: { type: string; text: string }[] };
    const size = sectionChars(section);
    if (used + size <= messageBudget) {
      kept.push(b);
      used += size;
      continue;
    }
    const room = messageBudget - used;
    if (section.text && !section.fields && room > 300) {
      kept.push({ ...section, text: { ...section.text, text: truncate(section.text.text, room) } });
      used = messageBudget;
    }
    cut += 1;
  }
  if (cut === 0 && kept.length <= limits.blocksPerMessage) return kept;
  const tail = kept.filter((b) => b.type === 'actions');
  const body = kept.filter((b) => b.type !== 'actions').slice(0, limits.blocksPerMessage - 1 - tail.length);
  return [...body, note(cut), ...tail];
}
