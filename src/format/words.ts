// English plural categories: "one" for exactly 1, "other" for everything else (0, 2, 1.5).
const plurals = new Intl.PluralRules('en');

const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;

/** A whole number with thousands separators: 12345 → "12,345". */
function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** The noun for a count in the right number: (1, "table") → "table", (3, "table") → "tables". */
export function nounFor(n: number, singular: string, plural = `${singular}s`): string {
  return plurals.select(Math.round(n)) === 'one' ? singular : plural;
}

/** A count with its noun in the right number: 1 → "1 table", 0 → "0 tables", 1200 → "1,200 tables". */
export function countOf(n: number, singular: string, plural = `${singular}s`): string {
  return `${count(n)} ${nounFor(n, singular, plural)}`;
}

/**
 * A span of time for people, never rounded up past what it is: "under a minute", "12 min", "3.5 h", "30 h",
 * "2 days". Hours keep one decimal below two days, so an age just past a threshold in hours reads as past it.
 */
export function spanOf(ms: number): string {
  const t = Math.max(0, ms);
  if (t < minute) return 'under a minute';
  if (t < hour) return `${Math.floor(t / minute)} min`;
  if (t < 2 * day) return `${Math.floor((t / hour) * 10) / 10} h`;
  return countOf(Math.floor(t / day), 'day');
}

/** How old something is: "just now", "12 min old", "3 h old", "2 days old". A time in the future is "just now". */
export function ageOld(ms: number): string {
  return ms < minute ? 'just now' : `${spanOf(ms)} old`;
}

/** When something happened, from how long ago: "just now", "12 min ago", "3 h ago", "2 days ago". */
export function agoOf(ms: number): string {
  return ms < minute ? 'just now' : `${spanOf(ms)} ago`;
}
