/** A fraction as a percentage for people: 0.0183 → "1.83 %", 0.7 → "70 %". */
export function formatFraction(fraction: number): string {
  return formatPercent(fraction * 100);
}

/** A percentage for people, with at most two decimals and none when whole: 82 → "82 %", 1.8333 → "1.83 %". */
export function formatPercent(percent: number): string {
  if (!Number.isFinite(percent)) return `${percent > 0 ? '+' : '-'}Inf %`;
  const digits = Math.abs(percent) >= 10 ? 1 : 2;
  return `${Number(percent.toFixed(digits))} %`;
}

/** A duration in seconds: under a second in ms ("320 ms"), else seconds ("12.4 s"). */
export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return seconds > 0 ? '+Inf s' : '-Inf s';
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  return `${Number(seconds.toFixed(seconds < 10 ? 2 : 1))} s`;
}

/** Bytes in binary units: "512 B", "3.4 MiB", "1.25 GiB". */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : Number(value.toFixed(value < 10 ? 2 : 1))} ${units[unit]}`;
}

/** CPU cores as Kubernetes writes them: 0.35 → "350m", 2 → "2". */
export function formatCores(cores: number): string {
  return cores < 1 ? `${Math.round(cores * 1000)}m` : `${Number(cores.toFixed(2))}`;
}

/** A whole number with thousands separators: 12345 → "12,345". */
export function formatCount(count: number): string {
  return Math.round(count).toLocaleString('en-US');
}

/** Hours with one decimal: 3.25 → "3.3 h". */
export function formatHours(hours: number): string {
  return `${Number(hours.toFixed(1))} h`;
}
