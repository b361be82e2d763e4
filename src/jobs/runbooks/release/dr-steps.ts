import { z } from 'zod';
import type { DrConfig } from '../../../config/dr-config.js';
import type { EnvironmentConfig } from '../../../config/ops-config.js';
import { messageOf, UserError } from '../../../errors.js';
import { createInfra, type Infra } from '../../../infra/infra.js';
import { parsePgUrl } from '../../../infra/pg-connection.js';
import { scrubSecrets } from '../../../log.js';
import { firstLine } from '../../health/checks/outcome.js';
import type { RunbookContext, RunTarget, StepContext } from '../../runbook.js';
import { requireBackups, requireDatabaseUrl } from '../backup/backup-context.js';
import { scheduledBackupKey } from '../backup/backup-names.js';
import { dumpToS3 } from '../backup/dump-to-s3.js';
import { environmentPath } from '../k8s/k8s-context.js';
import { sendFunctionalProbe } from './dr-probe.js';

/** The drill's settings and its secondary environment, checked. */
export interface DrTarget {
  dr: DrConfig;
  secondaryName: string;
  secondary: EnvironmentConfig;
}

/** The environment's `dr:` and its secondary, or a UserError naming what to set. */
export function requireDr(target: RunTarget): DrTarget {
  const path = environmentPath(target);
  const dr = target.env.dr;
  if (!dr) {
    throw new UserError(
      'unavailable',
      `No DR secondary is configured for ${target.environment}: set ${path}.dr.secondary.`,
    );
  }
  const secondary = target.service.environments[dr.secondary];
  if (!secondary || dr.secondary === target.environment) {
    throw new UserError(
      'unavailable',
      `${path}.dr.secondary is "${dr.secondary}", which is not another environment of ${target.serviceKey}.`,
    );
  }
  const where = `services.${target.serviceKey}.environments.${dr.secondary}`;
  if (!secondary.kubernetes) {
    throw new UserError('unavailable', `The DR secondary has no cluster: set ${where}.kubernetes.`);
  }
  if (!secondary.healthUrl) {
    throw new UserError('unavailable', `The DR secondary has no health URL: set ${where}.healthUrl.`);
  }
  return { dr, secondaryName: dr.secondary, secondary };
}

/** Everything the drill needs before it is accepted: the primary's backup target and the secondary. */
export function validateDrill(ctx: Pick<RunbookContext, 'infra' | 'target'>): void {
  requireDr(ctx.target);
  requireBackups(ctx);
  requireDatabaseUrl(ctx.target);
}

async function withSecondary<T>(target: RunTarget, work: (infra: Infra, dr: DrTarget) => Promise<T>): Promise<T> {
  const dr = requireDr(target);
  const infra = createInfra(dr.secondary, { serviceKey: target.serviceKey, environment: dr.secondaryName });
  try {
    return await work(infra, dr);
  } finally {
    await infra.close().catch(() => {});
  }
}

function failure(ctx: { signal: AbortSignal }, err: unknown): string {
  if (ctx.signal.aborted) throw ctx.signal.reason;
  return firstLine(scrubSecrets(messageOf(err)));
}

/** Step outputs, as checkpointed (JSON) and read back by the report. */
export const drOutputs = {
  backup: z.object({
    startedAt: z.number(),
    ok: z.boolean(),
    key: z.string().optional(),
    size: z.number().optional(),
    durationMs: z.number().optional(),
    reason: z.string().optional(),
  }),
  pods: z.object({
    ok: z.boolean(),
    ready: z.number(),
    total: z.number(),
    notReady: z.array(z.string()),
    reason: z.string().optional(),
  }),
  health: z.object({
    ok: z.boolean(),
    url: z.string(),
    status: z.number().optional(),
    ms: z.number().optional(),
    reason: z.string().optional(),
  }),
  probe: z.object({
    ok: z.boolean(),
    configured: z.boolean(),
    request: z.string().optional(),
    expected: z.number().optional(),
    status: z.number().optional(),
    ms: z.number().optional(),
    detail: z.string().optional(),
    answeredAt: z.number().optional(),
  }),
  rpo: z.object({
    configured: z.boolean(),
    lagSeconds: z.number().optional(),
    reason: z.string().optional(),
    query: z.string().optional(),
  }),
};

type Out<K extends keyof typeof drOutputs> = z.infer<(typeof drOutputs)[K]>;

/** Step 1: a fresh backup of the primary, as `backup now` takes it (the guide's pg_dump -F c). The drill's clock starts here. */
export async function drillBackup(ctx: StepContext<unknown>): Promise<Out<'backup'>> {
  const startedAt = Date.now();
  const backups = requireBackups(ctx);
  const url = requireDatabaseUrl(ctx.target);
  const key = scheduledBackupKey(backups.prefix, `${parsePgUrl(url).database}-dr-drill`, 'custom', new Date(startedAt));
  try {
    const done = await dumpToS3(backups, { databaseUrl: url, key, format: 'custom', signal: ctx.signal });
    return { startedAt, ok: true, key: done.key, size: done.size, durationMs: done.durationMs };
  } catch (err) {
    return { startedAt, ok: false, reason: `nothing was stored: ${failure(ctx, err)}` };
  }
}

/** Step 2: the secondary's pods of the service, all running and ready (the guide's `kubectl get pods` there). */
export function drillPods(ctx: StepContext<unknown>): Promise<Out<'pods'>> {
  return withSecondary(ctx.target, async (infra, dr) => {
    if (!infra.kube)
      return {
        ok: false,
        ready: 0,
        total: 0,
        notReady: [],
        reason: `cluster not reachable: set ${infra.kubeMissing ?? 'kubernetes'} of ${dr.secondaryName}`,
      };
    try {
      const pods = (await infra.kube.listPods({ signal: ctx.signal })).filter((p) => !p.terminating);
      const notReady = pods
        .filter((p) => !p.ready || p.phase !== 'Running')
        .map((p) => `${p.name} (${p.phase}${p.ready ? '' : ', not ready'})`);
      const ready = pods.length - notReady.length;
      const reason =
        pods.length === 0
          ? 'no pods of the service on the secondary'
          : notReady.length > 0
            ? `${notReady.length} of ${pods.length} pods not ready`
            : undefined;
      return { ok: reason === undefined, ready, total: pods.length, notReady, ...(reason ? { reason } : {}) };
    } catch (err) {
      return { ok: false, ready: 0, total: 0, notReady: [], reason: failure(ctx, err) };
    }
  });
}

/** Step 3: the secondary's health URL answers 2xx. */
export function drillHealth(ctx: StepContext<unknown>): Promise<Out<'health'>> {
  return withSecondary(ctx.target, async (infra, dr) => {
    const url = dr.secondary.healthUrl ?? '';
    if (!infra.httpProbe) return { ok: false, url, reason: 'no health URL' };
    try {
      const r = await infra.httpProbe.probe({ signal: ctx.signal, timeoutMs: 10_000 });
      const ok = r.status >= 200 && r.status < 300;
      return {
        ok,
        url,
        status: r.status,
        ms: r.ms,
        ...(ok ? {} : { reason: `HTTP ${r.status}${r.bodySnippet ? `: ${r.bodySnippet}` : ''}` }),
      };
    } catch (err) {
      return { ok: false, url, reason: failure(ctx, err) };
    }
  });
}

/** Step 4: the functional probe from the config; the secondary "answers" when it passes (or, without one, the health URL did). */
export async function drillProbe(ctx: StepContext<unknown>): Promise<Out<'probe'>> {
  const { dr } = requireDr(ctx.target);
  const probe = dr.probe;
  if (!probe) {
    const health = drOutputs.health.safeParse(ctx.outputs.health);
    const answered = health.success && health.data.ok;
    return { ok: answered, configured: false, ...(answered ? { answeredAt: Date.now() } : {}) };
  }
  const r = await sendFunctionalProbe(probe, ctx.signal);
  return {
    ok: r.ok,
    configured: true,
    request: `${probe.method} ${probe.url}`,
    expected: probe.expectedStatus,
    ...(r.status === undefined ? {} : { status: r.status }),
    ...(r.ms === undefined ? {} : { ms: r.ms }),
    detail: r.detail,
    ...(r.ok ? { answeredAt: Date.now() } : {}),
  };
}

/** Step 5: the replication lag (RPO) from Prometheus, where a query is configured. */
export async function drillRpo(ctx: StepContext<unknown>): Promise<Out<'rpo'>> {
  const { dr } = requireDr(ctx.target);
  const query = dr.replicationLagQuery;
  if (!query) return { configured: false };
  const prometheus = ctx.infra.prometheus;
  if (!prometheus)
    return {
      configured: true,
      query,
      reason: `Prometheus not configured: set ${environmentPath(ctx.target)}.prometheus.url`,
    };
  try {
    const lag = await prometheus.query(query, ctx.signal);
    return lag === undefined
      ? { configured: true, query, reason: 'the query returned no data' }
      : { configured: true, query, lagSeconds: lag };
  } catch (err) {
    return { configured: true, query, reason: failure(ctx, err) };
  }
}
