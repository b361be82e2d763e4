import type { ProgressItem } from './report.js';

/** The steps as a run's live message lists them: `current` running (with a note), those before done, the rest pending. */
export function stepProgress(
  steps: readonly { name: string; title: string }[],
  current?: string,
  summary?: string,
): ProgressItem[] {
  const at = current === undefined ? -1 : steps.findIndex((s) => s.name === current);
  return steps.map((s, i) => ({
    id: s.name,
    title: s.title,
    status: i < at ? 'succeeded' : i === at ? 'running' : 'pending',
    ...(i === at && summary ? { summary } : {}),
  }));
}
