const months = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const days = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

function ordinal(n: number): string {
  const teen = n % 100 >= 11 && n % 100 <= 13;
  const suffix = teen ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${n % 10 > 3 ? 'th' : suffix}`;
}

function clock(d: Date, seconds: boolean): string {
  const h = d.getUTCHours();
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  const ss = seconds ? `:${String(d.getUTCSeconds()).padStart(2, '0')}` : '';
  return `${h % 12 === 0 ? 12 : h % 12}:${mm}${ss} ${h < 12 ? 'AM' : 'PM'}`;
}

/**
 * Formats a `<!date^SECONDS^FORMAT|fallback>` the way Slack does, in UTC (the playground's users live in UTC, as
 * users.info says). The "pretty" tokens (today, yesterday) are shown as plain dates, so output doesn't depend on
 * when it is rendered.
 */
export function formatSlackDate(epochSeconds: number, format: string): string {
  const d = new Date(epochSeconds * 1000);
  const month = months[d.getUTCMonth()] ?? '';
  const day = d.getUTCDate();
  const year = d.getUTCFullYear();
  const tokens: Record<string, string> = {
    date_num: d.toISOString().slice(0, 10),
    date: `${month} ${ordinal(day)}, ${year}`,
    date_short: `${month.slice(0, 3)} ${day}, ${year}`,
    date_long: `${days[d.getUTCDay()] ?? ''}, ${month} ${ordinal(day)}, ${year}`,
    time: clock(d, false),
    time_secs: clock(d, true),
  };
  tokens.date_pretty = tokens.date ?? '';
  tokens.date_short_pretty = tokens.date_short ?? '';
  tokens.date_long_pretty = tokens.date_long ?? '';
  const text = format.replace(/\{([a-z_]+)\}/g, (match, name: string) => tokens[name] ?? match);
  return /\{time(_secs)?\}/.test(format) ? `${text} UTC` : text;
}
