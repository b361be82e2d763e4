import { createHash } from 'node:crypto';
import type { OpsConfig, ScheduleConfig } from '../config/ops-config.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/store.js';
import type { JobMeta, RunQueue } from './queue.js';
import type { Runbook } from './runbook.js';

/** Job scheduler ids are the schedule names with this prefix, so foreign schedulers on the queue are left alone. */
const schedulerPrefix = 'sched-';

/** A tick later than this after its fire time was missed while every instance was down, and is marked late. */
export const lateAfterMs = 60_000;

/** The requester recorded for scheduled runs. */
export function scheduleRequester(name: string): string {
  return `schedule:${name}`;
}

/** Checks every schedule names a runbook that exists and may run unattended. Throws a ConfigError otherwise. */
export function validateSchedules(config: OpsConfig, runbooks: ReadonlyMap<string, Runbook<unknown>>): void {
  config.schedules.forEach((s, i) => {
    const runbook = runbooks.get(s.run);
    if (!runbook) {
      throw new ConfigError(
        `ops config schedules.${i}.run: "${s.run}" is not a runbook (expected one of: ${[...runbooks.keys()].join(', ')})`,
      );
    }
    if (runbook.risk === 'destructive') {
      throw new ConfigError(
        `ops config schedules.${i}.run: "${s.run}" is destructive and needs an approval; it cannot be scheduled`,
      );
    }
  });
}

/**
 * Makes the queue's job schedulers match the config: upserts each enabled schedule (by id, so several instances
 * booting at once leave exactly one scheduler each) and removes ours that are no longer configured.
 */
export async function syncSchedules(queue: RunQueue, config: OpsConfig, log: Logger): Promise<void> {
  const wanted = new Map<string, ScheduleConfig>();
  for (const s of config.schedules) {
    if (s.channel) wanted.set(`${schedulerPrefix}${s.name}`, s);
    else log.warn({ schedule: s.name }, 'schedule has no channel; it is disabled');
  }
  const current = await queue.listSchedules();
  for (const [id, s] of wanted) {
    const same = current.find((c) => c.id === id && c.pattern === s.cron && (c.tz ?? 'UTC') === s.tz);
    // Re-upserting an unchanged scheduler would move its pending tick to the next fire time, so a tick missed while
    // every instance was down would be lost at the next boot. Only new or changed schedules are written.
    if (!same) await queue.upsertSchedule(id, { pattern: s.cron, tz: s.tz }, s.name);
  }
  for (const existing of current) {
    if (existing.id.startsWith(schedulerPrefix) && !wanted.has(existing.id)) {
      await queue.removeSchedule(existing.id);
      log.info({ scheduler: existing.id }, 'removed a schedule that is no longer configured');
    }
  }
}

/**
 * Turns one scheduler tick into a run: one run per tick (keyed by schedule and fire time), reported as a final
 * message (or only when something is wrong, for quiet schedules), marked late when the tick was missed.
 * Returns the run id to execute, or undefined when the tick already has a run or the schedule is gone.
 */
export async function runForTick(
  deps: { config: OpsConfig; store: Store; log: Logger; lateAfterMs?: number },
  name: string,
  meta: JobMeta,
  now = Date.now(),
): Promise<string | undefined> {
  const schedule = deps.config.schedules.find((s) => s.name === name);
  if (!schedule?.channel) {
    deps.log.warn({ schedule: name }, 'tick for a schedule that is not configured; ignored');
    return undefined;
  }
  const scheduledFor = new Date(meta.scheduledFor);
  const id = `r-${createHash('sha256').update(`${name}@${meta.scheduledFor}`).digest('hex').slice(0, 10)}`;
  const late = now - meta.scheduledFor > (deps.lateAfterMs ?? lateAfterMs);
  const created = await deps.store.runs.createForTick({
    id,
    service: schedule.service,
    environment: schedule.environment ?? deps.config.services[schedule.service]?.defaultEnvironment ?? 'production',
    runbook: schedule.run,
    params: {},
    risk: 'read',
    status: 'queued',
    requestedBy: scheduleRequester(name),
    channelId: schedule.channel,
    delivery: schedule.quiet ? 'quiet' : 'final',
    schedule: { name, scheduledFor, late },
  });
  if (!created) return undefined;
  await deps.store.audit.append({
    actor: scheduleRequester(name),
    action: `run:${schedule.run}`,
    decision: 'allow',
    reason: late ? 'scheduled (late)' : 'scheduled',
    channelId: schedule.channel,
    service: schedule.service,
    environment: created.environment,
    runId: id,
    detail: { scheduledFor: scheduledFor.toISOString() },
  });
  return id;
}
