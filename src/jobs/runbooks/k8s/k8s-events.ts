import { z } from 'zod';
import type { RecentWarning } from '../../../infra/kube-workload-types.js';
import { formatCount } from '../../health/checks/format.js';
import { readRunbook } from '../catalog-ops-report.js';
import { leftovers, requireWorkloads } from './k8s-context.js';
import { clip, formatAge } from './k8s-format.js';

const params = z.object({}).strict();

// Events read from the API: bounds the work on a namespace with an event storm.
const listLimit = 500;
// Events shown in the thread, newest first.
const shown = 30;
const hourMs = 3_600_000;

function eventLine(e: RecentWarning, now: number): string {
  const when = e.lastSeen ? `${formatAge(now - e.lastSeen.getTime())} ago` : 'time unknown';
  return `${when} · ${e.object} · ${e.reason}${e.count > 1 ? ` ×${e.count}` : ''} · ${clip(e.message, 300)}`;
}

/** Occurrences per reason, most first. */
function byReason(events: readonly RecentWarning[]): { reason: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const e of events) counts.set(e.reason, (counts.get(e.reason) ?? 0) + e.count);
  return [...counts]
    .map(([reason, count]) => ({ reason, count }))
    .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
}

/** The namespace's recent Warning events (`kubectl get events --field-selector type=Warning`), newest first. */
export const eventsRunbook = readRunbook({
  name: 'events',
  summary: 'Recent warning events in the namespace, newest first',
  usage: 'events [--env NAME]',
  examples: ['events', 'events --env staging'],
  params,
  parseArgs: leftovers,
  title: 'Read warning events',
  timeoutMs: 30_000,
  async collect(ctx) {
    const workloads = requireWorkloads(ctx);
    const { warnings, more } = await workloads.listWarnings(listLimit, { signal: ctx.signal });
    const now = Date.now();
    const lastHour = warnings.filter((e) => e.lastSeen && now - e.lastSeen.getTime() <= hourMs);
    const reasons = byReason(warnings);
    const atLeast = more ? '≥ ' : '';
    const top = reasons
      .slice(0, 3)
      .map((r) => `${r.reason} ×${formatCount(r.count)}`)
      .join(', ');
    const where = `${ctx.target.service.displayName} (${ctx.target.environment}), namespace ${workloads.namespace}`;
    return {
      // Warnings within the hour are what is happening now; older ones are history (events live about an hour).
      status: lastHour.length > 0 ? 'warn' : 'ok',
      headline:
        warnings.length === 0
          ? `No warning events in ${where}`
          : `${atLeast}${warnings.length} warning events in ${where}: ${top}`,
      items: [
        {
          id: 'warnings',
          title: 'Warning events',
          status: lastHour.length > 0 ? 'warn' : 'ok',
          value: `${atLeast}${warnings.length} (${lastHour.length} in the last hour)`,
          threshold: 'any in the last hour warns',
          summary: warnings.length === 0 ? 'none' : top,
        },
      ],
      details:
        warnings.length === 0
          ? []
          : [
              {
                title: `Newest ${Math.min(shown, warnings.length)} of ${atLeast}${warnings.length}${more ? ` (only the first ${listLimit} were read)` : ''}`,
                lines: warnings.slice(0, shown).map((e) => eventLine(e, now)),
              },
              { title: 'By reason', lines: reasons.map((r) => `${r.reason}: ${formatCount(r.count)}`) },
            ],
    };
  },
});
