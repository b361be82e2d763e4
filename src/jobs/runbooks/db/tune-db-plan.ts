import { z } from 'zod';
import { UserError } from '../../../errors.js';
import { parsePgUrl } from '../../../infra/pg-connection.js';
import { customSetting, fromAutoConf, readTunableSettings, type TunableSetting } from '../../../infra/pg-tuning.js';
import { formatBytes } from '../../health/checks/format.js';
import type { Plan } from '../../plan.js';
import type { RunbookContext, RunTarget } from '../../runbook.js';
import { requireDatabaseUrl } from '../backup/backup-context.js';
import { withTargetDb } from './db-context.js';
import { guideMemoryBytes, parseMemory, tuneRecommendations } from './tune-db-values.js';

/** `tune db`'s params once validated. */
export interface TuneDbParams {
  apply: boolean;
  rollback?: string | undefined;
  /** The server's memory as given (`16GB`); the guide's host when absent. */
  memory?: string | undefined;
}

/** One row of the diff table. */
export const diffRow = z.object({
  name: z.string(),
  now: z.string(),
  recommended: z.string(),
  how: z.string(),
  restart: z.boolean(),
  differs: z.boolean(),
});
export type DiffRow = z.infer<typeof diffRow>;

/** One setting a run changes: to `to` (a value), or back with `reset` (ALTER SYSTEM RESET). */
export const settingChange = z.object({ name: z.string(), from: z.string(), to: z.string(), reset: z.boolean() });
export type SettingChange = z.infer<typeof settingChange>;

/** What an approval of `tune db --apply` or `--rollback` is bound to. */
export const tuneMaterial = z.object({
  database: z.object({ host: z.string(), port: z.string() }),
  rollbackOf: z.string().nullable(),
  changes: z.array(settingChange),
});

/** What an apply leaves on the server, so `tune db --rollback <run>` can put the old values back. */
export const rollbackRecord = z.object({ at: z.string(), settings: z.array(settingChange) });

/** The custom setting in postgresql.auto.conf that keeps a run's old values beside the values it set. */
export const recordSetting = (runId: string): string => `chatops.tune_db_${runId.replace(/-/g, '_')}`;

/**
 * The memory the recommendations are sized for, and why: `--memory`, else the environment's `tuning.db.memory`,
 * else the guide's own 16 GiB host (said so in the report, never silently).
 */
export function memoryOf(p: Pick<TuneDbParams, 'memory'>, target: RunTarget): { bytes: number; why: string } {
  const flag = p.memory === undefined ? undefined : parseMemory(p.memory);
  if (flag !== undefined) return { bytes: flag, why: `${formatBytes(flag)}, from --memory` };
  const configured = target.env.tuning?.db.memory;
  const fromConfig = configured === undefined ? undefined : parseMemory(configured);
  if (fromConfig !== undefined) {
    return {
      bytes: fromConfig,
      why: `${formatBytes(fromConfig)}, from services.${target.serviceKey}.environments.${target.environment}.tuning.db.memory`,
    };
  }
  return {
    bytes: guideMemoryBytes,
    why: "16 GiB: the guide's host (its shared_buffers 4GB is 25 %, effective_cache_size 12GB 75 %); set tuning.db.memory or pass --memory for this server's",
  };
}

/** The diff of pg_settings against the guide's values for this memory. */
export async function readDiff(ctx: Pick<RunbookContext, 'target' | 'signal'>, memoryBytes: number) {
  const recs = tuneRecommendations(memoryBytes);
  const settings = await withTargetDb(ctx, {}, (s) =>
    readTunableSettings(
      s,
      recs.map((r) => r.name),
    ),
  );
  const rows: DiffRow[] = [];
  for (const r of recs) {
    const s = settings.find((x) => x.name === r.name);
    if (!s) continue;
    rows.push({
      name: r.name,
      now: s.shown,
      recommended: r.value,
      how: r.how,
      restart: s.context === 'postmaster',
      differs: !r.matches(s),
    });
  }
  return { rows, settings };
}

/** The statement that puts a setting back as it was before a run. */
export const undoOf = (s: TunableSetting, to: string): SettingChange => ({
  name: s.name,
  from: to,
  to: s.shown,
  // A value from postgresql.conf or the default comes back by removing ours; one ALTER SYSTEM wrote is set again.
  reset: !fromAutoConf(s) && (s.sourcefile !== null || s.source === 'default'),
});

/** The SQL a person would type to undo: ALTER SYSTEM RESET / SET each setting, then reload. */
export function rollbackSql(undo: readonly SettingChange[]): string[] {
  return [
    ...undo.map((u) => (u.reset ? `ALTER SYSTEM RESET ${u.name};` : `ALTER SYSTEM SET ${u.name} = '${u.to}';`)),
    'SELECT pg_reload_conf();',
  ];
}

/** The plan of `tune db --apply`: each differing setting, from → to, and whether it needs a restart. */
export async function planApply(ctx: RunbookContext, p: TuneDbParams): Promise<Plan> {
  const conn = parsePgUrl(requireDatabaseUrl(ctx.target));
  const memory = memoryOf(p, ctx.target);
  const { rows } = await readDiff(ctx, memory.bytes);
  const changes = rows.filter((r) => r.differs);
  if (changes.length === 0) {
    throw new UserError(
      'conflict',
      `Every setting on ${conn.host}:${conn.port} already has the guide's value for ${memory.why.split(':')[0]}; nothing to change.`,
    );
  }
  const restart = changes.filter((c) => c.restart).map((c) => c.name);
  return {
    summary: `ALTER SYSTEM SET ${changes.length} settings on ${conn.host}:${conn.port}, then pg_reload_conf()`,
    fields: [
      { label: 'Server', value: `${conn.host}:${conn.port} (the settings are server-wide: every database on it)` },
      { label: 'Sized for', value: memory.why },
      { label: 'Changes', value: changes.map((c) => `${c.name}: ${c.now} → ${c.recommended}`).join('\n') },
      {
        label: 'Restart',
        value:
          restart.length > 0
            ? `${restart.join(', ')} take effect only after a restart of PostgreSQL, which the bot does not do`
            : 'none needed',
      },
      {
        label: 'Rollback',
        value: `/thermaliq tune db --rollback ${ctx.runId} (the old values are kept on the server)`,
      },
    ],
    steps: [
      ...changes.map((c) => `ALTER SYSTEM SET ${c.name} = '${c.recommended}'`),
      'SELECT pg_reload_conf()',
      'read pg_settings: what took effect, what waits for a restart',
    ],
    material: {
      database: { host: conn.host, port: conn.port },
      rollbackOf: null,
      changes: changes.map((c) => ({ name: c.name, from: c.now, to: c.recommended, reset: false })),
    },
  };
}

/** Reads what `tune db --apply` run `runId` left on the server, or says there is nothing to roll back. */
export async function readRecord(ctx: Pick<RunbookContext, 'target' | 'signal'>, runId: string) {
  const raw = await withTargetDb(ctx, {}, (s) => customSetting(s, recordSetting(runId)));
  if (raw === undefined) {
    throw new UserError(
      'not_found',
      `No tune db --apply run ${runId} left its old values on this server (already rolled back, or another run id); nothing was changed.`,
    );
  }
  const parsed = rollbackRecord.safeParse(JSON.parse(raw));
  if (!parsed.success) throw new UserError('conflict', `The record of run ${runId} on the server is not readable.`);
  return parsed.data;
}

/** The plan of `tune db --rollback <run>`: each setting the run changed, now → back to its old value. */
export async function planRollback(ctx: RunbookContext, runId: string): Promise<Plan> {
  const conn = parsePgUrl(requireDatabaseUrl(ctx.target));
  const record = await readRecord(ctx, runId);
  const now = await withTargetDb(ctx, {}, (s) =>
    readTunableSettings(
      s,
      record.settings.map((c) => c.name),
    ),
  );
  const changes = record.settings.map((u) => ({ ...u, from: now.find((s) => s.name === u.name)?.shown ?? u.from }));
  return {
    summary: `Roll back tune db run ${runId} on ${conn.host}:${conn.port}: ${changes.length} settings back as they were`,
    fields: [
      { label: 'Server', value: `${conn.host}:${conn.port}` },
      { label: 'Applied', value: `by ${runId} at ${record.at}` },
      {
        label: 'Changes',
        value: changes.map((c) => `${c.name}: ${c.from} → ${c.to}${c.reset ? ' (ALTER SYSTEM RESET)' : ''}`).join('\n'),
      },
    ],
    steps: [...rollbackSql(changes), `ALTER SYSTEM RESET ${recordSetting(runId)}`],
    material: { database: { host: conn.host, port: conn.port }, rollbackOf: runId, changes },
  };
}
