import type { OpsConfig } from '../config/ops-config.js';
import type { Run } from '../store/runs.js';
import type { RunRef } from './report.js';

/** How the reporter addresses a run's messages. */
export function runRefOf(run: Run, config: OpsConfig): RunRef {
  return {
    runId: run.id,
    runbook: run.runbook,
    service: run.service,
    serviceName: config.services[run.service]?.displayName ?? run.service,
    environment: run.environment,
    requestedBy: run.requested_by,
    channelId: run.channel_id,
    messageTs: run.message_ts ?? undefined,
    threadTs: run.thread_ts ?? undefined,
  };
}
