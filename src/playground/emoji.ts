import { escapeHtml } from './html.js';

/**
 * Unicode for the shortcodes the bot emits (bot/views/status-emoji.ts and the command replies) plus common ones
 * people type. Slack has thousands; anything missing gets a readable fallback instead.
 */
const unicodeByName: Readonly<Record<string, string>> = {
  // bot/views/status-emoji.ts
  hourglass_flowing_sand: '⏳',
  arrows_counterclockwise: '🔄',
  white_check_mark: '✅',
  x: '❌',
  large_green_circle: '🟢',
  large_yellow_circle: '🟡',
  red_circle: '🔴',
  warning: '⚠️',
  white_circle: '⚪',
  // bot/views/command-reply.ts and run-message.ts
  rocket: '🚀',
  no_entry: '⛔',
  raised_hand: '✋',
  // status and runbook vocabulary
  large_blue_circle: '🔵',
  large_orange_circle: '🟠',
  large_purple_circle: '🟣',
  black_circle: '⚫',
  heavy_check_mark: '✔️',
  heavy_multiplication_x: '✖️',
  negative_squared_cross_mark: '❎',
  no_entry_sign: '🚫',
  stop_sign: '🛑',
  octagonal_sign: '🛑',
  hourglass: '⌛',
  stopwatch: '⏱️',
  alarm_clock: '⏰',
  lock: '🔒',
  unlock: '🔓',
  key: '🔑',
  shield: '🛡️',
  floppy_disk: '💾',
  package: '📦',
  card_file_box: '🗃️',
  file_cabinet: '🗄️',
  inbox_tray: '📥',
  outbox_tray: '📤',
  recycle: '♻️',
  wastebasket: '🗑️',
  broom: '🧹',
  rewind: '⏪',
  fast_forward: '⏩',
  arrow_forward: '▶️',
  double_vertical_bar: '⏸️',
  black_square_for_stop: '⏹️',
  arrow_right: '➡️',
  leftwards_arrow_with_hook: '↩️',
  arrow_right_hook: '↪️',
  arrow_up: '⬆️',
  arrow_down: '⬇️',
  chart_with_upwards_trend: '📈',
  chart_with_downwards_trend: '📉',
  bar_chart: '📊',
  mag: '🔍',
  clipboard: '📋',
  memo: '📝',
  pushpin: '📌',
  link: '🔗',
  calendar: '📅',
  gear: '⚙️',
  wrench: '🔧',
  hammer_and_wrench: '🛠️',
  construction: '🚧',
  rotating_light: '🚨',
  fire: '🔥',
  zap: '⚡',
  bell: '🔔',
  information_source: 'ℹ️',
  question: '❓',
  grey_question: '❔',
  exclamation: '❗',
  bangbang: '‼️',
  bulb: '💡',
  speech_balloon: '💬',
  thread: '🧵',
  robot_face: '🤖',
  sparkles: '✨',
  tada: '🎉',
  eyes: '👀',
  wave: '👋',
  '+1': '👍',
  thumbsup: '👍',
  '-1': '👎',
  thumbsdown: '👎',
  ok_hand: '👌',
  pray: '🙏',
  smile: '😄',
  slightly_smiling_face: '🙂',
  thinking_face: '🤔',
  heavy_plus_sign: '➕',
  heavy_minus_sign: '➖',
  white_large_square: '⬜',
  black_large_square: '⬛',
};

/** The Unicode for a Slack emoji shortcode name (without colons), if we know it. */
export function emojiUnicode(name: string): string | undefined {
  // Skin-tone variants (`wave::skin-tone-3`) show as their base emoji.
  const base = name.replace(/::skin-tone-\d$/, '');
  return Object.hasOwn(unicodeByName, base) ? unicodeByName[base] : undefined;
}

/** Matches `:shortcode:`; a name needs a letter (or be ±1) so `10:42:15` stays text. */
export const emojiPattern = /:([a-z0-9_+'-]+(?:::skin-tone-\d)?):/g;

/** Whether a `:name:` match is an emoji shortcode at all (known or not). */
export function looksLikeEmoji(name: string): boolean {
  return /[a-z]/.test(name) || name === '+1' || name === '-1';
}

/** HTML for a shortcode: the Unicode emoji, or the shortcode itself in a muted pill that names it. */
export function emojiHtml(name: string): string {
  const unicode = emojiUnicode(name);
  const label = escapeHtml(`:${name}:`);
  if (unicode !== undefined) return `<span class="emoji" title="${label}">${unicode}</span>`;
  return `<span class="emoji emoji-unknown" title="${label}">${label}</span>`;
}

/** Replaces every shortcode in already-escaped HTML text with its emoji HTML (plain_text with `emoji: true`). */
export function emojifyEscaped(escapedText: string): string {
  return escapedText.replace(emojiPattern, (match, name: string) => (looksLikeEmoji(name) ? emojiHtml(name) : match));
}
