import { messageOf } from '../../../errors.js';
import { countOf } from '../../../format/words.js';
import type { PodSummary } from '../../../infra/kube-types.js';
import type { HealthCheck } from '../check.js';
import { formatCount } from './format.js';
import { type ErrorTally, tallyErrors, topMessages } from './log-errors.js';
import { type CheckOutcome, firstLine, kubeNotConfigured, notMeasured } from './outcome.js';

const windowSeconds = 3600;
// Per pod: enough for an hour of a busy service's errors, small enough that 20 pods stay cheap to scan.
const limitBytes = 2 * 1024 * 1024;
// Pods read at once: bounds the load on the API server for large deployments.
const concurrency = 4;
const topCount = 5;

/** Runs `work` over `items`, at most `limit` at a time. */
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

/**
 * ERROR lines in the last hour of the service's pod logs (each pod's `kubectl logs` container, bounded by
 * logTailLines and a byte limit), grouped by message; warns when the count × 24 exceeds thresholds.errorsPer24h.
 */
export const errorLogsCheck: HealthCheck = {
  id: 'error-logs',
  title: 'Error logs (1 h)',
  async run(ctx): Promise<CheckOutcome> {
    const kube = ctx.infra.kube;
    if (!kube) return kubeNotConfigured(ctx);
    let pods: PodSummary[];
    try {
      pods = (await kube.listPods({ signal: ctx.signal })).filter((p) => p.logContainer !== undefined);
    } catch (err) {
      return notMeasured(ctx, err);
    }
    const limit = ctx.thresholds.errorsPer24h;
    const threshold = `> ${formatCount(limit)} per 24 h (ERROR lines in the last hour × 24)`;
    if (pods.length === 0) {
      return {
        status: 'ok',
        value: '0 pods',
        threshold,
        summary: `No pods match ${kube.labelSelector} to read logs from`,
      };
    }
    const tally: ErrorTally = { count: 0, groups: new Map() };
    const notes: string[] = [];
    let truncated = false;
    let read = 0;
    await eachLimited(pods, concurrency, async (pod) => {
      try {
        const log = await kube.readPodLog(pod.name, {
          container: pod.logContainer,
          sinceSeconds: windowSeconds,
          tailLines: kube.logTailLines,
          limitBytes,
          signal: ctx.signal,
        });
        read += 1;
        const lines = log.split('\n').filter((l) => l !== '').length;
        if (lines >= kube.logTailLines || Buffer.byteLength(log) >= limitBytes) {
          truncated = true;
          notes.push(`${pod.name}: only the last ${countOf(lines, 'line')} of the hour were read`);
        }
        tallyErrors(log, tally);
      } catch (err) {
        if (ctx.signal.aborted) throw ctx.signal.reason;
        notes.push(`${pod.name}: log not readable: ${firstLine(messageOf(err), 200)}`);
      }
    });
    if (read === 0) {
      return {
        status: 'error',
        threshold,
        summary: `No pod log could be read (${countOf(pods.length, 'pod')})`,
        details: notes,
      };
    }
    const perDay = tally.count * (86_400 / windowSeconds);
    const atLeast = truncated ? '≥ ' : '';
    const value = `${atLeast}${formatCount(tally.count)} in 1 h (≈ ${atLeast}${formatCount(perDay)} / 24 h)`;
    const details = [
      ...topMessages(tally, topCount).map((m) => `${formatCount(m.count)}× ${m.message.slice(0, 200)}`),
      ...notes,
    ];
    const scope = `${read} of ${countOf(pods.length, 'pod')}`;
    if (perDay > limit) {
      return {
        status: 'warn',
        value,
        threshold,
        summary: `${atLeast}${formatCount(tally.count)} ERROR lines in the last hour across ${scope}, ≈ ${formatCount(perDay)} a day`,
        details,
      };
    }
    return {
      status: 'ok',
      value,
      threshold,
      summary: `${atLeast}${formatCount(tally.count)} ERROR lines in the last hour across ${scope}`,
      details,
    };
  },
};
