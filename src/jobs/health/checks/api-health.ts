import { messageOf } from '../../../errors.js';
import type { ProbeResult } from '../../../infra/http-probe.js';
import type { HealthCheck } from '../check.js';
import { type CheckOutcome, firstLine, notConfigured } from './outcome.js';

// A health endpoint slower than this is failing its purpose (load balancers give up sooner).
const probeTimeoutMs = 5_000;

/** The service's health endpoint answers 2xx; any other status, no answer or no connection fails. */
export const apiHealthCheck: HealthCheck = {
  id: 'api-health',
  title: 'API health',
  async run(ctx): Promise<CheckOutcome> {
    const probe = ctx.infra.httpProbe;
    if (!probe) return notConfigured(ctx, 'healthUrl', 'Health URL');
    const threshold = `HTTP 2xx within ${probeTimeoutMs / 1000} s`;
    let result: ProbeResult;
    try {
      result = await probe.probe({ signal: ctx.signal, timeoutMs: probeTimeoutMs });
    } catch (err) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      // An unreachable API is the failure this check exists to catch, not a measurement problem.
      return { status: 'fail', value: 'unreachable', threshold, summary: firstLine(messageOf(err)) };
    }
    const value = `HTTP ${result.status} in ${result.ms} ms`;
    const details = result.bodySnippet ? [`${probe.url} → ${result.bodySnippet}`] : undefined;
    if (result.status >= 200 && result.status < 300) {
      return {
        status: 'ok',
        value,
        threshold,
        summary: `${probe.url} answered ${result.status} in ${result.ms} ms`,
        details,
      };
    }
    return {
      status: 'fail',
      value,
      threshold,
      summary: `${probe.url} answered ${result.status}${result.bodySnippet ? `: ${firstLine(result.bodySnippet, 120)}` : ''}`,
      details,
    };
  },
};
