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
