import { formatCount } from '../health/checks/format.js';

/** A count with its noun in the right number: 1 → "1 table", 3 → "3 tables", 1200 → "1,200 tables". */
export function countOf(n: number, singular: string, plural = `${singular}s`): string {
  return `${formatCount(n)} ${Math.round(n) === 1 ? singular : plural}`;
}
