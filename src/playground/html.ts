/** Escapes text for HTML element content and quoted attribute values: nothing user-supplied becomes markup. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Decodes the three entities Slack's mrkdwn uses for its control characters (and nothing else, as Slack does). */
export function decodeSlackEntities(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** An http(s) (or mailto, when allowed) URL safe to put in href/src, or undefined: javascript:, data: are refused. */
export function safeUrl(raw: string, allowMailto = true): string | undefined {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return undefined;
  }
  if (url.protocol === 'http:' || url.protocol === 'https:') return url.href;
  return allowMailto && url.protocol === 'mailto:' ? url.href : undefined;
}
