import { createHash } from 'node:crypto';
import type { OpsConfig } from '../config/ops-config.js';
import { toRecord } from '../handlers/request-run.js';
import type { RunQueue } from '../jobs/queue.js';
import { runbooks } from '../jobs/registry.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Store } from '../store/store.js';
import { readAlertCommand } from './alert-commands.js';
import type { AlertGroup } from './alert-group-store.js';

/** Who the audit log and the run say asked for a diagnosis. */
export const alertRequester = 'alertmanager';

/**
 * Starts a group's diagnosis: each configured read-only runbook as a run that reports in the alert message's thread.
 * Run ids come from the group, its firing and the command, so a second start of the same diagnosis (another instance,
 * a retry) creates and queues nothing new.
 */
export async function startDiagnosis(
  deps: { config: OpsConfig; store: Store; queue: RunQueue; log: Logger; metrics?: Pick<Metrics, 'alertDiagnosed'> },
  group: AlertGroup,
  texts: readonly string[],
): Promise<string[]> {
  const service = group.service;
  const environment = group.environment;
  if (!service || !environment || !group.message_ts) {
    deps.log.info({ group: group.id }, 'alert group names no configured service; no diagnosis');
    return [];
  }
  const started: string[] = [];
  for (const text of texts) {
    const read = readAlertCommand(runbooks, text);
    if (!read.ok || read.runbook.risk !== 'read') {
      deps.log.warn({ group: group.id, text, reason: read.ok ? 'not read-only' : read.reason }, 'diagnosis skipped');
      continue;
    }
    const id = `r-${createHash('sha256')
      .update(`${group.id}/${group.firing_generation}/${text}`)
      .digest('hex')
      .slice(0, 10)}`;
    const created = await deps.store.runs.createOnce({
      id,
      service,
      environment,
      runbook: read.runbook.name,
      params: toRecord(read.params),
      risk: 'read',
      status: 'queued',
      requestedBy: alertRequester,
      channelId: group.channel_id,
      delivery: 'live',
      threadTs: group.message_ts,
    });
    if (created) {
      await deps.store.audit.append({
        actor: alertRequester,
        action: `run:${read.runbook.name}`,
        decision: 'allow',
        reason: 'alert diagnosis',
        channelId: group.channel_id,
        service,
        environment,
        runId: id,
        detail: { alertGroup: group.id, firing: group.firing_generation },
      });
      deps.metrics?.alertDiagnosed();
    }
    await deps.queue.enqueue(id);
    started.push(id);
  }
  return started;
}
