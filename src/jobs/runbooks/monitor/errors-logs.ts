import { z } from 'zod';
import { messageOf } from '../../../errors.js';
import { countOf } from '../../../format/words.js';
import type { KubeTarget } from '../../../infra/kube.js';
import type { PodSummary } from '../../../infra/kube-types.js';
import { formatBytes, formatCount } from '../../health/checks/format.js';
import { firstLine } from '../../health/checks/outcome.js';
import type { ProgressItem } from '../../report.js';
import type { StepContext } from '../../runbook.js';
import { requireKube } from '../backup/backup-context.js';
import { readRunbook } from '../catalog-ops-report.js';
import { leftovers } from '../k8s/k8s-context.js';
import { sinceParam, sinceSeconds } from './errors-since.js';
import { addLogErrors, type Dimension, type ErrorBreakdown, emptyBreakdown, topValues } from './errors-tally.js';

const params = z.object({ since: sinceParam.default('24h') }).strict();
type ErrorsParams = z.infer<typeof params>;

// Bytes of log read in all, shared among the pods: the scan stays bounded however many pods there are.
const totalBytes = 32 * 1024 * 1024;
const perPodBytes = { min: 256 * 1024, max: 8 * 1024 * 1024 };
// Lines asked for per pod: the newest ones of the window, before the byte limit.
const tailLines = 100_000;
// Pods read at once: bounds the load on the API server.
const concurrency = 4;
const top = 10;

const labels: Record<Dimension, { title: string; plural: string; field: string }> = {
  type: { title: 'Error types', plural: 'error types', field: 'error_type' },
  facility: { title: 'Facilities', plural: 'facilities', field: 'facility_id' },
  tenant: { title: 'Tenants', plural: 'tenants', field: 'tenant_id' },
  endpoint: { title: 'Endpoints', plural: 'endpoints', field: 'endpoint' },
  message: { title: 'Messages', plural: 'messages', field: 'message' },
};

async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++];
      if (item !== undefined) await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Reads every pod's log of the window into one breakdown; notes say what was cut or unreadable. */
async function scanLogs(
  ctx: StepContext<ErrorsParams>,
  kube: KubeTarget,
  pods: PodSummary[],
  seconds: number,
): Promise<{ tally: ErrorBreakdown; read: number; bytes: number; truncated: boolean; notes: string[] }> {
  const limitBytes = Math.max(perPodBytes.min, Math.min(perPodBytes.max, Math.floor(totalBytes / pods.length)));
  const tally = emptyBreakdown();
  const notes: string[] = [];
  let read = 0;
  let bytes = 0;
  let truncated = false;
  await eachLimited(pods, concurrency, async (pod) => {
    try {
      const log = await kube.readPodLog(pod.name, {
        container: pod.logContainer,
        sinceSeconds: seconds,
        tailLines,
        limitBytes,
        signal: ctx.signal,
      });
      read += 1;
      const size = Buffer.byteLength(log);
      bytes += size;
      const lines = log.split('\n').filter((l) => l !== '').length;
      if (size >= limitBytes || lines >= tailLines) {
        truncated = true;
        notes.push(`${pod.name}: only ${formatBytes(size)} (${countOf(lines, 'line')}) of the window were read`);
      }
      addLogErrors(log, tally);
    } catch (err) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      notes.push(`${pod.name}: log not readable: ${firstLine(messageOf(err), 200)}`);
    }
  });
  return { tally, read, bytes, truncated, notes };
}

function dimensionItem(d: Dimension, tally: ErrorBreakdown): ProgressItem {
  const { title, plural, field } = labels[d];
  const values = topValues(tally.groups[d], 3);
  if (values.length === 0) {
    const why = tally.count === 0 ? 'no ERROR lines' : `no ${field} field in the ERROR lines (JSON logs only)`;
    return { id: d, title, status: 'skipped', summary: why };
  }
  return {
    id: d,
    title,
    status: 'ok',
    value: `${formatCount(tally.groups[d].size)} ${plural}`,
    summary: values.map((v) => `${v.value} ×${formatCount(v.count)}`).join(', '),
  };
}

/**
 * The guides' error analysis (THERMALIQ's jq by facility and error, VCCI's analyze-errors.sh): ERROR lines of the
 * window in every pod's log, read with a byte budget, grouped by error type, facility, tenant, endpoint and message.
 */
export const errorsRunbook = readRunbook({
  name: 'errors',
  summary: 'ERROR lines from pod logs, grouped by error type, facility, tenant and endpoint (top 10 of each)',
  usage: 'errors [--since 24h] [--env NAME]',
  examples: ['errors', 'errors --since 6h', 'errors --since 7d --env staging'],
  params,
  parseArgs(args, flags) {
    const { since, ...rest } = flags;
    return { ...(since === undefined ? {} : { since }), ...leftovers(args, rest) };
  },
  title: 'Scan pod logs',
  timeoutMs: 5 * 60_000,
  async collect(ctx) {
    const kube = requireKube(ctx);
    const seconds = sinceSeconds(ctx.params.since) ?? 86_400;
    const pods = (await kube.listPods({ signal: ctx.signal })).filter((p) => p.logContainer !== undefined);
    const where = `${ctx.target.service.displayName} (${ctx.target.environment})`;
    if (pods.length === 0) {
      return {
        status: 'ok',
        headline: `No pods match ${kube.labelSelector} in ${kube.namespace} to read logs from (${where})`,
        items: [],
        details: [],
      };
    }
    const { tally, read, bytes, truncated, notes } = await scanLogs(ctx, kube, pods, seconds);
    const limit = ctx.target.thresholds.errorsPer24h;
    const perDay = tally.count * (86_400 / seconds);
    const atLeast = truncated ? '≥ ' : '';
    const status = read === 0 ? 'error' : perDay > limit ? 'warn' : 'ok';
    const countItem: ProgressItem = {
      id: 'errors',
      title: `ERROR lines (${ctx.params.since})`,
      status,
      value: `${atLeast}${formatCount(tally.count)}${seconds === 86_400 ? '' : ` (≈ ${atLeast}${formatCount(perDay)} / 24 h)`}`,
      threshold: `> ${formatCount(limit)} per 24 h`,
      summary: `${read} of ${countOf(pods.length, 'pod')} read, ${formatBytes(bytes)}; ${formatCount(tally.jsonCount)} JSON`,
    };
    const groups = (['type', 'facility', 'tenant', 'endpoint', 'message'] as const).map((d) => ({
      title: `Top ${top} ${labels[d].plural}`,
      lines: topValues(tally.groups[d], top).map((v) => `${formatCount(v.count)}× ${v.value}`),
    }));
    return {
      status,
      headline: `${atLeast}${formatCount(tally.count)} ERROR lines in the last ${ctx.params.since} of ${where}`,
      items: [countItem, ...(['type', 'facility', 'tenant', 'endpoint'] as const).map((d) => dimensionItem(d, tally))],
      details: [...groups, { title: 'Notes', lines: notes }].filter((d) => d.lines.length > 0),
    };
  },
});
