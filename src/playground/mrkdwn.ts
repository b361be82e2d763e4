import { emojiHtml, emojiPattern, looksLikeEmoji } from './emoji.js';
import { decodeSlackEntities, escapeHtml, safeUrl } from './html.js';
import { formatSlackDate } from './slack-date.js';

/** Names for the ids that mrkdwn mentions (`<@U…>`, `<#C…>`). */
export interface MentionDirectory {
  userName(userId: string): string | undefined;
  channelName(channelId: string): string | undefined;
}

// Rendered pieces are parked behind private-use placeholders so later passes (emoji, bold, italic) never look
// inside code, links or markup. Input can't forge one: those two characters are replaced first.
const open = '\uE000';
const close = '\uE001';
const placeholder = /\uE000(\d+)\uE001/g;

function isWordChar(ch: string | undefined): boolean {
  return ch !== undefined && /[\p{L}\p{N}]/u.test(ch);
}

function isSpace(ch: string | undefined): boolean {
  return ch === undefined || /\s/.test(ch);
}

const styleTags: Readonly<Record<string, string>> = { '*': 'b', _: 'i', '~': 's' };

/** Text outside any markup: entities decoded the way Slack means them, then escaped for HTML. */
function textHtml(text: string): string {
  return escapeHtml(decodeSlackEntities(text));
}

/** Slack's emphasis: a marker opens after a non-word character and closes before one, never touching spaces. */
function styleLine(line: string): string {
  let html = '';
  let run = 0;
  for (let i = 0; i < line.length; i++) {
    const marker = line[i];
    if (marker === undefined) break;
    const tag = styleTags[marker];
    if (tag === undefined || isWordChar(line[i - 1]) || line[i - 1] === marker) continue;
    if (isSpace(line[i + 1]) || line[i + 1] === marker) continue;
    let end = -1;
    for (let j = i + 2; j < line.length; j++) {
      if (line[j] === marker && !isSpace(line[j - 1]) && !isWordChar(line[j + 1])) {
        end = j;
        break;
      }
    }
    if (end < 0) continue;
    html += `${textHtml(line.slice(run, i))}<${tag}>${styleLine(line.slice(i + 1, end))}</${tag}>`;
    run = end + 1;
    i = end;
  }
  return html + textHtml(line.slice(run));
}

/** A `<…>` control sequence: a user, channel or broadcast mention, a date, or a link. */
function controlHtml(inner: string, names: MentionDirectory): string {
  const bar = inner.indexOf('|');
  const target = bar < 0 ? inner : inner.slice(0, bar);
  const label = bar < 0 ? undefined : decodeSlackEntities(inner.slice(bar + 1));
  if (target.startsWith('@')) {
    const id = target.slice(1);
    const name = label ?? names.userName(id) ?? id;
    return `<span class="mention" data-user-id="${escapeHtml(id)}">@${escapeHtml(name.replace(/^@/, ''))}</span>`;
  }
  if (target.startsWith('#')) {
    const id = target.slice(1);
    const name = label ?? names.channelName(id) ?? id;
    return `<span class="mention">#${escapeHtml(name)}</span>`;
  }
  if (target.startsWith('!')) {
    const [keyword = '', ...rest] = target.slice(1).split('^');
    if (['here', 'channel', 'everyone'].includes(keyword))
      return `<span class="mention mention-broadcast">@${keyword}</span>`;
    if (keyword === 'subteam') return `<span class="mention">${escapeHtml(label ?? `@${rest[0] ?? 'group'}`)}</span>`;
    if (keyword === 'date') {
      const seconds = Number(rest[0]);
      if (!Number.isFinite(seconds)) return escapeHtml(label ?? '');
      const title = label === undefined ? '' : ` title="${escapeHtml(label)}"`;
      return `<span class="date"${title}>${escapeHtml(formatSlackDate(seconds, rest[1] ?? '{date_num} {time}'))}</span>`;
    }
    return escapeHtml(label ?? `<${decodeSlackEntities(inner)}>`);
  }
  const href = safeUrl(decodeSlackEntities(target));
  // A refused scheme (javascript:, data:) shows as text, never as a link.
  if (href === undefined) return escapeHtml(label ?? `<${decodeSlackEntities(target)}>`);
  return `<a class="link" href="${escapeHtml(href)}" target="_blank" rel="noopener noreferrer">${escapeHtml(label ?? decodeSlackEntities(target))}</a>`;
}

/**
 * Renders Slack mrkdwn to HTML: *bold*, _italic_, ~strike~, `code`, ```pre```, > quotes, links, mentions, emoji
 * shortcodes and Slack's &lt; &gt; &amp; entities. Every character of input text is escaped; only our own tags
 * reach the output.
 */
export function renderMrkdwn(text: string, names: MentionDirectory): string {
  const parked: string[] = [];
  const park = (html: string) => `${open}${parked.push(html) - 1}${close}`;
  let s = text.replace(/[\uE000\uE001]/g, '\uFFFD');
  s = s.replace(/```\n?([\s\S]*?)\n?```/g, (_m, body: string) => park(`<pre class="pre">${textHtml(body)}</pre>`));
  s = s.replace(/`([^`\n]+)`/g, (_m, body: string) => park(`<code class="code">${textHtml(body)}</code>`));
  s = s.replace(/<([^<>\n]+)>/g, (_m, inner: string) => park(controlHtml(inner, names)));
  s = s.replace(emojiPattern, (match, name: string) => (looksLikeEmoji(name) ? park(emojiHtml(name)) : match));

  const out: string[] = [];
  let quote: string[] = [];
  const flushQuote = () => {
    if (quote.length > 0) out.push(`<blockquote class="quote">${quote.join('<br>')}</blockquote>`);
    quote = [];
  };
  for (const line of s.split('\n')) {
    if (line.startsWith('>')) {
      quote.push(styleLine(line.replace(/^> ?/, '')));
    } else {
      flushQuote();
      out.push(styleLine(line));
    }
  }
  flushQuote();
  // A parked piece can hold earlier placeholders (code around a pre block), so restore recursively.
  const restore = (html: string): string =>
    html.replace(placeholder, (_m, index: string) => restore(parked[Number(index)] ?? ''));
  // Quotes and pre blocks are blocks of their own, so the line break beside one goes. Input can't forge a <br>:
  // every < in it is escaped by now.
  return restore(out.join('<br>'))
    .replace(/<br>(<blockquote|<pre )/g, '$1')
    .replace(/(<\/blockquote>|<\/pre>)<br>/g, '$1');
}
