const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;

/** A duration as kubectl prints ages: "45s", "12m", "3h12m", "4d5h". */
export function formatAge(ms: number): string {
  const t = Math.max(0, ms);
  if (t < minute) return `${Math.floor(t / 1000)}s`;
  if (t < hour) return `${Math.floor(t / minute)}m`;
  if (t < day) {
    const m = Math.floor((t % hour) / minute);
    return `${Math.floor(t / hour)}h${m > 0 ? `${m}m` : ''}`;
  }
  const h = Math.floor((t % day) / hour);
  return `${Math.floor(t / day)}d${h > 0 ? `${h}h` : ''}`;
}

/** A point in time relative to now: "in 3d4h" or "5h ago". */
export function formatRelative(at: Date, now = Date.now()): string {
  const diff = at.getTime() - now;
  return diff >= 0 ? `in ${formatAge(diff)}` : `${formatAge(-diff)} ago`;
}

/** A timestamp to the minute, in UTC: "2026-03-01 14:05 UTC". */
export function formatUtc(at: Date): string {
  return `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Cuts a line for a report, marking the cut. */
export function clip(text: string, max = 300): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}
